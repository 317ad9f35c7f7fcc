import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { objectLabels, queueName, terminationGraceSeconds } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';
import { redisAddress } from './configmap.js';

export const DEFAULT_QUEUE_LENGTH_TARGET = 100;

/**
 * KEDA scales a worker on the length of its own `<name>.queue` list, read
 * from the same Redis the pods use (the address is the ConfigMap's
 * REDIS_URL host). Jobs already taken sit in per-worker in-flight lists and
 * are not counted: they have a replica working on them.
 */
export function renderScaledObject(d: ServiceDeclaration, s: Settings): K8sObject {
  const so: IScaledObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
      minReplicaCount: d.scaling.minReplicas,
      maxReplicaCount: d.scaling.maxReplicas,
      pollingInterval: 15,
      // Scale to zero no sooner than a drain could have finished.
      cooldownPeriod: Math.max(300, terminationGraceSeconds(d)),
      triggers: [
        {
          type: 'redis',
          name: 'queue-length',
          metadata: {
            address: redisAddress(s),
            listName: queueName(d.name),
            listLength: String(d.scaling.queueLengthTarget ?? DEFAULT_QUEUE_LENGTH_TARGET),
            activationListLength: '0',
            databaseIndex: '0',
          },
        },
      ],
    },
  };
  return k8s(so);
}
