import type { IService } from 'kubernetes-models/v1/Service';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { objectLabels, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

/**
 * Only services that listen for traffic (an httpPort) get a Service. The ops
 * port is scraped per pod through the prometheus.io annotations, and workers
 * are reached through Redis, never directly.
 */
export function renderAppService(d: ServiceDeclaration, s: Settings): K8sObject | undefined {
  if (d.httpPort === undefined) return undefined;
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(d.name),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  return k8s(svc);
}
