import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { ServiceDeclaration } from '@bigapp/kit/service';
import { objectLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

/** The service named `web` gets the configured host; any other web-kind service a subdomain of it. */
export function ingressHost(d: ServiceDeclaration, s: Settings): string {
  return d.name === 'web' ? s.ingress.host : `${d.name}.${s.ingress.host}`;
}

export function renderIngress(d: ServiceDeclaration, s: Settings): K8sObject {
  const host = ingressHost(d, s);
  const ing: IIngress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(s, d.name, objectLabels(d.name, d.kind), s.ingress.annotations),
    spec: {
      ingressClassName: s.ingress.className,
      ...(s.ingress.tlsSecretName ? { tls: [{ hosts: [host], secretName: s.ingress.tlsSecretName }] } : {}),
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: d.name, port: { name: 'http' } } } }] } }],
    },
  };
  return k8s(ing);
}
