import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { DeployError } from '../errors.js';
import { objectLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

export const DEFAULT_CPU_TARGET_PERCENT = 70;

export function renderHpa(d: ServiceDeclaration, s: Settings): K8sObject {
  if (d.scaling.minReplicas < 1) {
    throw new DeployError('deploy_declaration_invalid', `service "${d.name}": a web service scales on CPU with an HPA, which needs scaling.minReplicas >= 1 (got ${d.scaling.minReplicas})`);
  }
  const hpa: IHorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
      minReplicas: d.scaling.minReplicas,
      maxReplicas: d.scaling.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: d.scaling.cpuTargetPercent ?? DEFAULT_CPU_TARGET_PERCENT } } }],
      // Scale up at once, down slowly: a burst that ends is often followed by another.
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
    },
  };
  return k8s(hpa);
}
