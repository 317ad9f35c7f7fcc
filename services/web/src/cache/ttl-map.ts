/**
 * A bounded map whose entries expire: an in-process read cache. The oldest
 * entry goes first when full (Map keeps insertion order).
 */
export class TtlMap<K, V> {
  private readonly map = new Map<K, { value: V; expiresAt: number }>();
  constructor(private readonly ttlMs: number, private readonly max = 10_000) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V): void {
    if (this.ttlMs <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Drops every entry whose key starts with `prefix` (string keys). */
  deletePrefix(prefix: string): void {
    for (const k of this.map.keys()) if (typeof k === 'string' && k.startsWith(prefix)) this.map.delete(k);
  }

  clear(): void {
    this.map.clear();
  }
}
