import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import { REDIS_PORT, objectLabels, podLabels, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { containerSecurity, meta, podSecurity, tmpVolume } from './common.js';

/** uid/gid of the `redis` user in the official alpine image. */
const REDIS_UID = 999;
const REDIS_GID = 1000;

/**
 * Redis is transport, not the record (the job ledger is in PostgreSQL), so
 * it runs without persistence: a restart loses queued copies, which the
 * ledger re-sends. noeviction makes a full Redis refuse writes rather than
 * silently drop queued jobs; maxmemory stays below the limit so that
 * refusal comes before the OOM killer.
 */
export function renderRedis(s: Settings): K8sObject[] {
  const name = 'redis';
  const maxmemoryMb = Math.floor(s.redis.memoryLimitMi * 0.8);
  const tmp = tmpVolume('64Mi');
  const probe = { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
  const dep: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(s, name, objectLabels(name, 'queue')),
    spec: {
      replicas: 1,
      // Two Redis instances would split the queues between them.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: podLabels(name, 'queue', 'infra') },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(REDIS_UID, REDIS_GID),
          containers: [
            {
              name,
              image: s.redis.image,
              command: ['redis-server'],
              args: ['--save', '', '--appendonly', 'no', '--maxmemory', `${maxmemoryMb}mb`, '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'],
              ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: `${Math.min(256, s.redis.memoryLimitMi)}Mi` }, limits: { memory: `${s.redis.memoryLimitMi}Mi` } },
              livenessProbe: probe,
              readinessProbe: { ...probe, periodSeconds: 5 },
              securityContext: containerSecurity(),
              volumeMounts: [{ name: 'data', mountPath: '/data' }, tmp.mount],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }, tmp.volume],
        },
      },
    },
  };
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, name, objectLabels(name, 'queue')),
    spec: { type: 'ClusterIP', selector: selectorLabels(name), ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis', protocol: 'TCP' }] },
  };
  return [k8s(dep), k8s(svc)];
}
