/**
 * The kinds bigapp renders, and where kubernetes-models keeps each one's
 * class (OpenAPI validator) and TypeScript interface (the field list the
 * strict check walks). A kind missing here fails validation: rendering
 * something new means adding it here first.
 */
export interface ModelRef {
  /** Module exporting the model class named like the kind. */
  module: string;
  /** Module whose `I<Kind>` interface describes the object's fields. */
  typesModule: string;
}

const core = (kind: string, group: string): ModelRef => ({ module: `kubernetes-models/${group}`, typesModule: `kubernetes-models/${group}/${kind}` });

export const MODELS: Record<string, ModelRef> = {
  'v1/Namespace': core('Namespace', 'v1'),
  'v1/ConfigMap': core('ConfigMap', 'v1'),
  'v1/Secret': core('Secret', 'v1'),
  'v1/ServiceAccount': core('ServiceAccount', 'v1'),
  'v1/Service': core('Service', 'v1'),
  'apps/v1/Deployment': core('Deployment', 'apps/v1'),
  'apps/v1/StatefulSet': core('StatefulSet', 'apps/v1'),
  'batch/v1/Job': core('Job', 'batch/v1'),
  'policy/v1/PodDisruptionBudget': core('PodDisruptionBudget', 'policy/v1'),
  'autoscaling/v2/HorizontalPodAutoscaler': core('HorizontalPodAutoscaler', 'autoscaling/v2'),
  'networking.k8s.io/v1/Ingress': core('Ingress', 'networking.k8s.io/v1'),
  'networking.k8s.io/v1/NetworkPolicy': core('NetworkPolicy', 'networking.k8s.io/v1'),
  'discovery.k8s.io/v1/EndpointSlice': core('EndpointSlice', 'discovery.k8s.io/v1'),
  'keda.sh/v1alpha1/ScaledObject': {
    module: '@kubernetes-models/keda/keda.sh/v1alpha1',
    typesModule: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
  },
};

export function modelKey(o: { apiVersion: string; kind: string }): string {
  return `${o.apiVersion}/${o.kind}`;
}
