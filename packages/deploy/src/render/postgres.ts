import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IService } from 'kubernetes-models/v1/Service';
import { SECRETS, objectLabels, podLabels, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { containerSecurity, meta, podSecurity, tmpVolume } from './common.js';

/** uid/gid of the `postgres` user in the official alpine image. */
const PG_UID = 70;
const PORT = 5432;

/** In-cluster PostgreSQL for local/dev/stage: one replica on a persistent volume. Production uses a managed database (external-database.ts). */
export function renderPostgres(s: Settings): K8sObject[] {
  if (s.database.mode !== 'in-cluster') return [];
  const db = s.database;
  const name = 'postgres';
  const tmp = tmpVolume('256Mi');
  const ready = { exec: { command: ['pg_isready', '-U', 'bigapp', '-d', 'bigapp', '-h', '127.0.0.1'] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };
  const sts: IStatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(s, name, objectLabels(name, 'database')),
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: podLabels(name, 'database', 'infra') },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // A fast shutdown checkpoints; killing PostgreSQL mid-write means crash recovery on the next start.
          terminationGracePeriodSeconds: 60,
          securityContext: podSecurity(PG_UID),
          containers: [
            {
              name,
              image: db.image,
              ports: [{ name: 'postgres', containerPort: PORT, protocol: 'TCP' }],
              env: [
                { name: 'POSTGRES_USER', value: 'bigapp' },
                { name: 'POSTGRES_DB', value: 'bigapp' },
                { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: SECRETS.postgres.name, key: SECRETS.postgres.passwordKey } } },
                // A subdirectory, because a fresh volume's root holds lost+found and initdb wants an empty directory.
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 60 },
              livenessProbe: ready,
              readinessProbe: { ...ready, periodSeconds: 5 },
              securityContext: containerSecurity(),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/postgresql/data' },
                { name: 'run', mountPath: '/var/run/postgresql' },
                tmp.mount,
              ],
            },
          ],
          volumes: [{ name: 'run', emptyDir: {} }, tmp.volume],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(db.storageClassName ? { storageClassName: db.storageClassName } : {}),
            resources: { requests: { storage: db.storage } },
          },
        },
      ],
    },
  };
  // Headless: governs the StatefulSet and resolves straight to the pod.
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, name, objectLabels(name, 'database')),
    spec: { clusterIP: 'None', selector: selectorLabels(name), ports: [{ name: 'postgres', port: PORT, targetPort: 'postgres', protocol: 'TCP' }] },
  };
  return [k8s(sts), k8s(svc)];
}
