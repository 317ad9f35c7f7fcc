import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { L, OBJECT_STORE_PORT, OPS_PORT, PART_OF, REDIS_PORT, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

const labels = { [L.partOf]: PART_OF };
const appPods: INetworkPolicyPeer = { podSelector: { matchLabels: { [L.tier]: 'app' } } };
const namespace = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

function policy(s: Settings, name: string, podSelector: Record<string, string>, from: INetworkPolicyPeer[], port?: number | string): K8sObject {
  const np: INetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(s, name, labels),
    spec: {
      podSelector: { matchLabels: podSelector },
      policyTypes: ['Ingress'],
      ingress: [{ from, ...(port !== undefined ? { ports: [{ protocol: 'TCP', port }] } : {}) }],
    },
  };
  return k8s(np);
}

/**
 * Ingress is denied by default, then opened per target: web from the
 * ingress controller, Redis and PostgreSQL from app pods only (and Redis
 * from the KEDA operator, which reads queue lengths), every ops port from
 * Prometheus. Kubelet probes are node traffic and not subject to these.
 * Egress is left open: the managed database and bucket live outside.
 */
export function renderNetworkPolicies(services: readonly ServiceDeclaration[], s: Settings): K8sObject[] {
  const out: K8sObject[] = [];
  const denyAll: INetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(s, 'default-deny-ingress', labels),
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  };
  out.push(k8s(denyAll));
  for (const d of services) {
    if (d.kind !== 'web' || d.httpPort === undefined) continue;
    const from: INetworkPolicyPeer[] = [namespace(s.ingress.controllerNamespace), ...s.ingress.sourceCidrs.map((cidr) => ({ ipBlock: { cidr } }))];
    out.push(policy(s, `${d.name}-from-ingress`, selectorLabels(d.name), from, 'http'));
  }
  out.push(policy(s, 'ops-from-prometheus', { [L.tier]: 'app' }, [namespace(s.metricsNamespace)], OPS_PORT));
  out.push(
    policy(
      s,
      'redis-from-app',
      selectorLabels('redis'),
      [appPods, { ...namespace(s.kedaNamespace), podSelector: { matchLabels: { app: 'keda-operator' } } }],
      REDIS_PORT,
    ),
  );
  if (s.database.mode === 'in-cluster') out.push(policy(s, 'postgres-from-app', selectorLabels('postgres'), [appPods], 5432));
  if (s.bucket.mode === 'in-cluster') {
    out.push(
      policy(s, 'object-store-from-app', selectorLabels('object-store'), [appPods, { podSelector: { matchLabels: { [L.tier]: 'setup' } } }], OBJECT_STORE_PORT),
    );
  }
  return out;
}
