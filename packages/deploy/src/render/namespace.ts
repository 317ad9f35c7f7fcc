import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { L, PART_OF, SERVICE_ACCOUNT } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

export function renderNamespace(s: Settings): K8sObject {
  const ns: INamespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    // Pod Security Admission enforces what the securityContexts promise, so a hand-edited pod cannot regress.
    metadata: {
      name: s.namespace,
      labels: {
        [L.partOf]: PART_OF,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
  return k8s(ns);
}

/**
 * One identity for all app pods. Its token is not mounted: the app never
 * talks to the Kubernetes API; cloud identity webhooks (IRSA, Workload
 * Identity) project their own token when the annotations ask for it.
 */
export function renderServiceAccount(s: Settings): K8sObject {
  const sa: IServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(s, SERVICE_ACCOUNT, { [L.partOf]: PART_OF }, s.identity.serviceAccountAnnotations),
    automountServiceAccountToken: false,
    ...(s.image.pullSecret ? { imagePullSecrets: [{ name: s.image.pullSecret }] } : {}),
  };
  return k8s(sa);
}
