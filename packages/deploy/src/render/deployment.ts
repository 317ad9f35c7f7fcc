import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { ResourceHints, ServiceDeclaration } from '@bigapp/kit/service';
import { imageRef } from '../environments.js';
import { APP_USER_ID, CONFIG_MAP, OPS_PORT, SERVICE_ACCOUNT, drainMs, objectLabels, podLabels, selectorLabels, terminationGraceSeconds } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { containerSecurity, meta, podSecurity, tmpVolume, topologySpread } from './common.js';
import { configHash } from './configmap.js';
import { appSecretEnv } from './secret-refs.js';

/** Used when a declaration gives no resources; small, because the autoscalers add replicas rather than size. */
export const DEFAULT_RESOURCES: ResourceHints = { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };

export function resourcesOf(d: ServiceDeclaration) {
  const r = d.resources ?? DEFAULT_RESOURCES;
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    // No CPU limit unless declared: throttling a Node event loop hurts latency more than sharing idle CPU does.
    limits: { memory: r.memoryLimit, ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}) },
  };
}

function appContainer(d: ServiceDeclaration, s: Settings): IContainer {
  const tmp = tmpVolume();
  const ports: IContainerPort[] = [{ name: 'ops', containerPort: OPS_PORT, protocol: 'TCP' }];
  if (d.httpPort !== undefined) ports.unshift({ name: 'http', containerPort: d.httpPort, protocol: 'TCP' });
  return {
    name: d.name,
    image: imageRef(s),
    imagePullPolicy: s.image.pullPolicy,
    args: ['start', d.name],
    ports,
    envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
    env: [
      { name: 'BIGAPP_GRACE_MS', value: String(drainMs(d)) },
      // Queue workers run with a small V8 young generation (as `bigapp up` starts them): lower idle RSS.
      ...(d.kind === 'web' ? [] : [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=1' }]),
      ...appSecretEnv(s),
    ],
    resources: resourcesOf(d),
    // startupProbe holds off liveness while the process connects to Redis/PostgreSQL (and runs nothing else slow).
    startupProbe: { httpGet: { path: '/healthz', port: 'ops' }, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'ops' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: 'ops' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
    securityContext: containerSecurity(),
    volumeMounts: [tmp.mount],
  };
}

export function renderDeployment(d: ServiceDeclaration, s: Settings): K8sObject {
  const selector = selectorLabels(d.name);
  const singleton = d.kind === 'singleton';
  const dep: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind, s.image.tag), { 'bigapp.dev/description': d.description }),
    spec: {
      // Autoscaled services leave replicas to the HPA/KEDA: a value here would reset them on every apply.
      ...(singleton ? { replicas: 1 } : {}),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // A singleton must never run twice (migrations, admin work): the old pod goes before the new one starts.
      strategy: singleton ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...podLabels(d.name, d.kind, 'app'), ...s.identity.podLabels },
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(OPS_PORT),
            'prometheus.io/path': '/metrics',
            'bigapp.dev/config-hash': configHash(s),
            'kubectl.kubernetes.io/default-container': d.name,
          },
        },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          // Service links would inject REDIS_PORT=tcp://... and similar variables that collide with real settings.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGraceSeconds(d),
          securityContext: podSecurity(APP_USER_ID),
          topologySpreadConstraints: topologySpread(selector),
          containers: [appContainer(d, s)],
          volumes: [tmpVolume().volume],
        },
      },
    },
  };
  return k8s(dep);
}
