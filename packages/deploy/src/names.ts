import type { ServiceDeclaration } from '@bigapp/kit/service';

export const PART_OF = 'bigapp';
export const OPS_PORT = 9400;
export const REDIS_PORT = 6379;
export const OBJECT_STORE_PORT = 9000;
export const APP_USER_ID = 10001;

/** Label keys. `tier` is what NetworkPolicies select on, so it is never set on anything else. */
export const L = {
  name: 'app.kubernetes.io/name',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  version: 'app.kubernetes.io/version',
  managedBy: 'app.kubernetes.io/managed-by',
  tier: 'bigapp.dev/tier',
} as const;

export type Tier = 'app' | 'infra' | 'setup';

/** Object names the platform itself uses; a service with one of these names would collide. */
export const RESERVED_NAMES = ['redis', 'postgres', 'object-store', 'bigapp', 'bigapp-config'] as const;

export const SECRETS = {
  database: { name: 'bigapp-database', urlKey: 'url' },
  bucket: { name: 'bigapp-bucket', accessKeyKey: 'access-key-id', secretKeyKey: 'secret-access-key' },
  signing: { name: 'bigapp-signing', key: 'bucket-signing-secret' },
  postgres: { name: 'bigapp-postgres', passwordKey: 'password' },
} as const;

export const CONFIG_MAP = 'bigapp-config';
export const SERVICE_ACCOUNT = 'bigapp';

/** The immutable subset: selectors may never change after the first apply. */
export function selectorLabels(name: string): Record<string, string> {
  return { [L.name]: name, [L.partOf]: PART_OF };
}

export function objectLabels(name: string, component: string, version?: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    [L.component]: component,
    ...(version ? { [L.version]: version } : {}),
    [L.managedBy]: 'bigapp-deploy',
  };
}

export function podLabels(name: string, component: string, tier: Tier): Record<string, string> {
  return { ...selectorLabels(name), [L.component]: component, [L.tier]: tier };
}

/** Queue list of a service, as the bus protocol names it. */
export function queueName(service: string): string {
  return `${service}.queue`;
}

/** Drain time when a declaration gives none; matches the host's default. */
export const DEFAULT_DRAIN_MS = 30_000;
/** Time beyond the drain for the process to close connections and flush logs. */
export const GRACE_MARGIN_SECONDS = 10;

export function drainMs(d: ServiceDeclaration): number {
  return d.drainMs ?? DEFAULT_DRAIN_MS;
}

export function terminationGraceSeconds(d: ServiceDeclaration): number {
  return Math.ceil(drainMs(d) / 1000) + GRACE_MARGIN_SECONDS;
}
