import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { CONFIG_MAP, L, OBJECT_STORE_PORT, OPS_PORT, PART_OF, REDIS_PORT } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta, serviceHost } from './common.js';

export function redisAddress(s: Settings): string {
  return `${serviceHost(s, 'redis')}:${REDIS_PORT}`;
}

export function bucketEndpoint(s: Settings): string | undefined {
  if (s.bucket.mode === 'in-cluster') return `http://${serviceHost(s, 'object-store')}:${OBJECT_STORE_PORT}`;
  return s.bucket.endpoint;
}

/** Non-secret settings every app pod reads (envFrom). Secrets are referenced separately, see secret-refs.ts. */
export function configData(s: Settings): Record<string, string> {
  const endpoint = bucketEndpoint(s);
  const data: Record<string, string> = {
    BIGAPP_ENV: s.appEnv,
    BIGAPP_OPS_PORT: String(OPS_PORT),
    BUCKET_DRIVER: 's3',
    DATABASE_SSL: String(s.database.ssl),
    LOG_LEVEL: s.logLevel,
    REDIS_URL: `redis://${redisAddress(s)}`,
    S3_BUCKET: s.bucket.name,
    S3_FORCE_PATH_STYLE: String(s.bucket.forcePathStyle),
    S3_REGION: s.bucket.region,
  };
  if (endpoint) data.S3_ENDPOINT = endpoint;
  if (s.redis.cacheUrl) data.REDIS_CACHE_URL = s.redis.cacheUrl;
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
}

export function renderConfigMap(s: Settings): K8sObject {
  const cm: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(s, CONFIG_MAP, { [L.partOf]: PART_OF }),
    data: configData(s),
  };
  return k8s(cm);
}

/**
 * Pods read the ConfigMap only at start; putting its hash on the pod
 * template makes `kubectl apply` roll them when a setting changes.
 */
export function configHash(s: Settings): string {
  return createHash('sha256').update(JSON.stringify(configData(s))).digest('hex').slice(0, 16);
}
