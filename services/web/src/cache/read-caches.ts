import type { Bus } from '@bigapp/kit';
import type { WorkspaceRole } from '@bigapp/kit/db';
import type { Principal } from '../auth/sessions.js';
import { TtlMap } from './ttl-map.js';

export type InvalidationKind = 'session' | 'token' | 'roles' | 'pages';

/**
 * Short-lived read caches of the hot path (who is calling, their role in the
 * workspace, the first pages of media lists), so a list request costs no
 * query when nothing changed. Every change publishes `cache.invalidate`, and
 * every replica drops the entry at once; the TTL only bounds what a lost
 * invalidation (a Redis outage) could leave stale.
 */
export class ReadCaches {
  readonly sessions: TtlMap<string, Extract<Principal, { kind: 'session' }>>;
  readonly tokens: TtlMap<string, Extract<Principal, { kind: 'token' }>>;
  /** `<workspaceId>|<userId>` → role, or null for "not a member". */
  readonly roles: TtlMap<string, WorkspaceRole | null>;
  /** `<workspaceId>|<limit>|<cursor>` → the serialised page. */
  readonly pages: TtlMap<string, string>;
  private unsub: (() => Promise<void>) | undefined;

  constructor(ttlMs: number, private readonly bus?: Bus) {
    this.sessions = new TtlMap(ttlMs);
    this.tokens = new TtlMap(ttlMs);
    this.roles = new TtlMap(ttlMs, 50_000);
    this.pages = new TtlMap(ttlMs, 2_000);
  }

  async start(): Promise<void> {
    if (!this.bus) return;
    this.unsub = await this.bus.subscribe('cache.invalidate', (p) => this.drop(p.kind, p.key));
  }

  private drop(kind: InvalidationKind, key: string): void {
    if (kind === 'session') this.sessions.delete(key);
    else if (kind === 'token') this.tokens.clear();
    else if (kind === 'roles') {
      this.roles.deletePrefix(`${key}|`);
      this.pages.deletePrefix(`${key}|`);
    } else this.pages.deletePrefix(`${key}|`);
  }

  /** Drops the entry here and on every other replica. */
  async invalidate(kind: InvalidationKind, key: string): Promise<void> {
    this.drop(kind, key);
    await this.bus?.publish('cache.invalidate', { kind, key }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.unsub?.();
  }
}
