import type { IEndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import type { IService } from 'kubernetes-models/v1/Service';
import { objectLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { meta } from './common.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * The managed database (Cloud SQL, RDS, Azure Database) behind the same
 * in-cluster name `postgres` the local environment uses, so switching is
 * config only. A DNS name becomes an ExternalName Service; an IP (Cloud SQL
 * private IP) a selectorless Service with an EndpointSlice, because
 * ExternalName cannot hold an address.
 */
export function renderExternalDatabase(s: Settings): K8sObject[] {
  if (s.database.mode !== 'external') return [];
  const { host, port } = s.database;
  const name = 'postgres';
  const labels = objectLabels(name, 'database');
  if (!IPV4.test(host)) {
    const svc: IService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(s, name, labels),
      spec: { type: 'ExternalName', externalName: host, ports: [{ name: 'postgres', port, protocol: 'TCP' }] },
    };
    return [k8s(svc)];
  }
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, name, labels),
    spec: { type: 'ClusterIP', ports: [{ name: 'postgres', port, targetPort: port, protocol: 'TCP' }] },
  };
  const slice: IEndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(s, `${name}-external`, { ...labels, 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'bigapp-deploy' }),
    addressType: 'IPv4',
    endpoints: [{ addresses: [host] }],
    ports: [{ name: 'postgres', port, protocol: 'TCP' }],
  };
  return [k8s(svc), k8s(slice)];
}
