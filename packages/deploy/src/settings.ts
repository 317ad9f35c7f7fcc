import { z } from 'zod';

const dnsLabel = z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label (lowercase letters, digits, "-")');
const hostname = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a DNS name');
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity such as 512Mi or 250m');
const stringMap = z.record(z.string(), z.string());

/**
 * Everything about an environment that is not in the service declarations.
 * Defaults live in environments.ts; deploy/env/<env>.json and BIGAPP_DEPLOY_*
 * variables override them; this schema is the one gate they all pass.
 */
export const Settings = z
  .strictObject({
    env: z.string(),
    namespace: dnsLabel,
    /** BIGAPP_ENV inside the pods. */
    appEnv: z.enum(['dev', 'test', 'stage', 'prod']),
    /** The kubectl context `bigapp k8s apply|diff|delete` insists on. */
    kubeContext: z.string().min(1, 'kubeContext is required'),
    clusterDomain: hostname,
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    image: z.strictObject({
      /** e.g. europe-docker.pkg.dev/acme/bigapp; empty means a local image (kind load / minikube image load). */
      registry: z.string().regex(/^([a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*)?$/, 'must look like host[:port]/path, lowercase'),
      repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be a lowercase image name'),
      tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag'),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
      pullSecret: dnsLabel.optional(),
    }),
    ingress: z.strictObject({
      host: hostname,
      className: z.string().min(1),
      /** Namespace of the ingress controller's pods: the only source web accepts traffic from. */
      controllerNamespace: dnsLabel,
      /** Extra source ranges (e.g. GCE load balancer ranges, which are not pods). */
      sourceCidrs: z.array(z.string().regex(/^[0-9.]+\/[0-9]{1,2}$/, 'must be an IPv4 CIDR')),
      tlsSecretName: dnsLabel.optional(),
      annotations: stringMap,
    }),
    redis: z.strictObject({
      image: z.string().min(1),
      memoryLimitMi: z.number().int().min(64),
      /** Optional second Redis for caches; not rendered, only passed to the pods. */
      cacheUrl: z.string().optional(),
    }),
    database: z.discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('in-cluster'), image: z.string().min(1), storage: quantity, storageClassName: z.string().optional(), ssl: z.boolean() }),
      z.strictObject({
        mode: z.literal('external'),
        /** Managed database endpoint: a DNS name (ExternalName) or an IPv4 address (selectorless Service + EndpointSlice). */
        host: z.string().min(1, 'database.host is required for an external database'),
        port: z.number().int().min(1).max(65535),
        ssl: z.boolean(),
      }),
    ]),
    bucket: z.strictObject({
      name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lowercase characters)'),
      /** in-cluster: a MinIO StatefulSet (local only); external: the cloud's bucket. */
      mode: z.enum(['in-cluster', 'external']),
      image: z.string().min(1),
      storage: quantity,
      endpoint: z.string().url().optional(),
      region: z.string().min(1),
      forcePathStyle: z.boolean(),
      /** secret: keys from the bigapp-bucket Secret; workload-identity: none, the cloud injects them. */
      credentials: z.enum(['secret', 'workload-identity']),
    }),
    /** Annotations/pod labels that bind the pods' ServiceAccount to a cloud identity (IRSA, GKE/AKS Workload Identity). */
    identity: z.strictObject({ serviceAccountAnnotations: stringMap, podLabels: stringMap }),
    /** Namespace whose Prometheus may scrape the ops port. */
    metricsNamespace: dnsLabel,
    /** Namespace of the KEDA operator, which reads queue lengths from Redis. */
    kedaNamespace: dnsLabel,
  })
  .superRefine((s, ctx) => {
    if (s.env === 'prod' && s.image.registry === '') {
      ctx.addIssue({ code: 'custom', path: ['image', 'registry'], message: 'an image registry is required for prod (set image.registry in deploy/env/prod.json or BIGAPP_DEPLOY_IMAGE_REGISTRY)' });
    }
    if (s.bucket.mode === 'in-cluster' && s.bucket.credentials !== 'secret') {
      ctx.addIssue({ code: 'custom', path: ['bucket', 'credentials'], message: 'an in-cluster object store needs credentials "secret"' });
    }
  });
export type Settings = z.infer<typeof Settings>;

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
