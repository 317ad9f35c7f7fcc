import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeployError } from './errors.js';
import { appVersion, defaultConfigDir, repoRoot } from './paths.js';
import { Settings, type DeepPartial } from './settings.js';

export const ENVIRONMENTS = ['local', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export function isEnvironment(env: string): env is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(env);
}

type Defaults = Omit<Settings, 'env'>;

/**
 * `local`: Docker Desktop, kind or minikube, everything in the cluster.
 * `prod`: Redis in the cluster, managed PostgreSQL and bucket. Values a
 * cluster owner must choose (registry, host, database) have no default here,
 * so forgetting them is an error, not a manifest pointing at example.com.
 */
function defaults(env: EnvironmentName, version: string): Defaults {
  const common = {
    namespace: 'bigapp',
    clusterDomain: 'cluster.local',
    logLevel: 'info' as const,
    ingress: { host: '', className: 'nginx', controllerNamespace: 'ingress-nginx', sourceCidrs: [], annotations: {} },
    redis: { image: 'redis:7.4-alpine', memoryLimitMi: 512 },
    identity: { serviceAccountAnnotations: {}, podLabels: {} },
    metricsNamespace: 'monitoring',
    kedaNamespace: 'keda',
  };
  if (env === 'local') {
    return {
      ...common,
      appEnv: 'dev',
      kubeContext: 'kind-bigapp',
      image: { registry: '', repository: 'bigapp', tag: version, pullPolicy: 'IfNotPresent' },
      // localtest.me and its subdomains resolve to 127.0.0.1: no /etc/hosts edit needed.
      ingress: { ...common.ingress, host: 'bigapp.localtest.me' },
      database: { mode: 'in-cluster', image: 'postgres:17-alpine', storage: '5Gi', ssl: false },
      bucket: {
        name: 'bigapp',
        mode: 'in-cluster',
        image: 'quay.io/minio/minio:RELEASE.2024-12-18T13-15-44Z',
        storage: '5Gi',
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: 'secret',
      },
    };
  }
  return {
    ...common,
    appEnv: 'prod',
    kubeContext: '',
    image: { registry: '', repository: 'bigapp', tag: version, pullPolicy: 'IfNotPresent' },
    database: { mode: 'external', host: '', port: 5432, ssl: true },
    bucket: {
      name: '',
      mode: 'external',
      image: 'unused',
      storage: '1Gi',
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: 'workload-identity',
    },
  };
}

/** BIGAPP_DEPLOY_* variables, for CI that renders or builds without editing the config file. */
function fromVars(vars: NodeJS.ProcessEnv): DeepPartial<Settings> {
  const out: Record<string, Record<string, unknown>> = {};
  const set = (group: string | null, key: string, value: string | undefined) => {
    if (value === undefined || value === '') return;
    if (group === null) (out as Record<string, unknown>)[key] = value;
    else (out[group] ??= {})[key] = value;
  };
  set(null, 'namespace', vars.BIGAPP_DEPLOY_NAMESPACE);
  set(null, 'kubeContext', vars.BIGAPP_DEPLOY_KUBE_CONTEXT);
  set('image', 'registry', vars.BIGAPP_DEPLOY_IMAGE_REGISTRY);
  set('image', 'tag', vars.BIGAPP_DEPLOY_IMAGE_TAG);
  set('ingress', 'host', vars.BIGAPP_DEPLOY_INGRESS_HOST);
  set('database', 'host', vars.BIGAPP_DEPLOY_DATABASE_HOST);
  set('bucket', 'name', vars.BIGAPP_DEPLOY_BUCKET);
  set('bucket', 'region', vars.BIGAPP_DEPLOY_BUCKET_REGION);
  set('bucket', 'endpoint', vars.BIGAPP_DEPLOY_BUCKET_ENDPOINT);
  return out as DeepPartial<Settings>;
}

/** Names of the BIGAPP_DEPLOY_* variables that are set, so the CLI can say the render is not from the file alone. */
export function activeVarOverrides(vars: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(vars).filter((k) => k.startsWith('BIGAPP_DEPLOY_') && vars[k] !== '').sort();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge where arrays and scalars replace. An object whose `mode` changes
 * is replaced whole, so switching database.mode does not drag the other
 * mode's fields along (the schema is strict and would reject them).
 */
export function merge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  if ('mode' in over && over.mode !== base.mode) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
  return out as T;
}

export interface LoadSettingsOptions {
  /** Directory holding <env>.json; default deploy/env. */
  configDir?: string;
  /** Variables to read BIGAPP_DEPLOY_* from; pass {} to render from the file alone. */
  vars?: NodeJS.ProcessEnv;
  /** Applied last (tests, programmatic use). */
  overrides?: DeepPartial<Settings>;
  root?: string;
}

export function loadSettings(env: string, opts: LoadSettingsOptions = {}): Settings {
  if (!isEnvironment(env)) {
    throw new DeployError('deploy_unknown_environment', `unknown environment "${env}": expected one of ${ENVIRONMENTS.join(', ')}`);
  }
  const root = opts.root ?? repoRoot;
  const file = path.join(opts.configDir ?? defaultConfigDir(root), `${env}.json`);
  let fromFile: unknown = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new DeployError('deploy_settings_invalid', `${file}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
    if (!isPlainObject(fromFile)) throw new DeployError('deploy_settings_invalid', `${file}: must hold a JSON object`);
    // The file's "$schema"/"$comment" keys are for editors and readers, not settings.
    for (const k of Object.keys(fromFile)) if (k.startsWith('$')) delete fromFile[k];
  }
  let merged: unknown = { env, ...defaults(env, appVersion(root)) };
  merged = merge(merged, fromFile);
  merged = merge(merged, fromVars(opts.vars ?? process.env));
  merged = merge(merged, opts.overrides ?? {});
  const parsed = Settings.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DeployError('deploy_settings_invalid', `settings for environment "${env}" are invalid (${path.relative(root, file) || file}):\n${lines.join('\n')}`, {
      details: parsed.error.issues,
    });
  }
  return parsed.data;
}

export function imageRef(s: Settings): string {
  const repo = s.image.registry ? `${s.image.registry}/${s.image.repository}` : s.image.repository;
  return `${repo}:${s.image.tag}`;
}
