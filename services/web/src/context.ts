import type { AttemptLimiter } from './auth/rate-limit.js';
import type { AuthStore } from './auth/sessions.js';
import type { WebDeps } from './app.js';
import type { Links } from './links.js';
import type { Fanout } from './live/fanout.js';
import type { LiveHub } from './live/hub.js';
import type { ReadCaches } from './cache/read-caches.js';

/** What the route plugins share; built once by buildWebApp. */
export interface WebContext extends Pick<WebDeps, 'db' | 'bucket' | 'ledger' | 'bus' | 'log' | 'config'> {
  auth: AuthStore;
  links: Links;
  hub: LiveHub;
  fanout: Fanout;
  caches: ReadCaches;
  limits: { login: AttemptLimiter; loginPerIp: AttemptLimiter; register: AttemptLimiter };
}
