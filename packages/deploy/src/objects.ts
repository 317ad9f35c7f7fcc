/** What every renderer returns: a plain Kubernetes object, ready for YAML. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** An object and the file it is written to (one file per service or infrastructure piece, for review). */
export interface Manifest {
  file: string;
  object: K8sObject;
}

/**
 * Renderers build objects typed by kubernetes-models' interfaces (so a typo
 * is a compile error); this widens them to the common shape.
 */
export function k8s<T extends { apiVersion: string; kind: string; metadata?: object }>(o: T): K8sObject {
  return o as unknown as K8sObject;
}

export function describe(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}
