import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { objectLabels, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

/**
 * maxUnavailable 1 rather than minAvailable: node drains evict replicas one
 * at a time, yet a worker scaled to zero or the single cmd pod never blocks
 * a node upgrade (a minAvailable of 1 on one replica would, forever).
 */
export function renderPdb(d: ServiceDeclaration, s: Settings): K8sObject {
  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(d.name) } },
  };
  return k8s(pdb);
}
