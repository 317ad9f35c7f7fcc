import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ITopologySpreadConstraint } from 'kubernetes-models/v1/TopologySpreadConstraint';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ObjectMeta } from '../objects.js';
import type { Settings } from '../settings.js';

export function meta(s: Settings, name: string, labels: Record<string, string>, annotations?: Record<string, string>): ObjectMeta {
  return { name, namespace: s.namespace, labels, ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}) };
}

/** Pod-level hardening shared by every workload; ids differ because upstream images (redis, postgres) own their data as their own user. */
export function podSecurity(uid: number, gid = uid): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurity(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The read-only root filesystem leaves /tmp as the only scratch space; size-limited so a leak evicts the pod instead of filling the node. */
export function tmpVolume(sizeLimit = '256Mi'): { volume: IVolume; mount: IVolumeMount } {
  return { volume: { name: 'tmp', emptyDir: { sizeLimit } }, mount: { name: 'tmp', mountPath: '/tmp' } };
}

/** Spread replicas over zones, then nodes; ScheduleAnyway so a single-zone or single-node cluster still schedules. */
export function topologySpread(selector: Record<string, string>): ITopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ];
}

/** Service DNS name as a pod in any namespace (KEDA's, for one) resolves it. */
export function serviceHost(s: Settings, service: string): string {
  return `${service}.${s.namespace}.svc.${s.clusterDomain}`;
}
