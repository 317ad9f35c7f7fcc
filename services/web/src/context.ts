import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Bus } from '@bigapp/kit';
import type { Database } from '@bigapp/kit/db';
import type { JobLedger } from '@bigapp/kit/ledger';
import type { Bucket } from '@bigapp/kit/storage';
import type { AttemptLimiter } from './auth/rate-limit.js';
import type { AuthStore } from './auth/sessions.js';
import type { WebConfig } from './config.js';
import type { Links } from './links.js';
import type { Fanout } from './live/fanout.js';
import type { LiveHub } from './live/hub.js';
import type { ReadCaches } from './cache/read-caches.js';

/** What the route plugins share; built once by buildWebApp. */
export interface WebContext {
  db: Kysely<Database>;
  bucket: Bucket;
  ledger: JobLedger;
  bus: Bus;
  log: Logger;
  config: WebConfig;
  auth: AuthStore;
  links: Links;
  hub: LiveHub;
  fanout: Fanout;
  caches: ReadCaches;
  limits: { login: AttemptLimiter; loginPerIp: AttemptLimiter; register: AttemptLimiter };
}
