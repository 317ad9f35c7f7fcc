import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IService } from 'kubernetes-models/v1/Service';
import { imageRef } from '../environments.js';
import { APP_USER_ID, CONFIG_MAP, OBJECT_STORE_PORT, SECRETS, objectLabels, podLabels, selectorLabels } from '../names.js';
import { k8s, type K8sObject } from '../objects.js';
import type { Settings } from '../settings.js';
import { containerSecurity, meta, podSecurity, tmpVolume } from './common.js';
import { appSecretEnv } from './secret-refs.js';

const NAME = 'object-store';

/**
 * Creates the bucket once MinIO answers. It runs the app image, whose
 * @aws-sdk/client-s3 is already there, so local needs no extra image; it is
 * idempotent and deleted after it finishes so the next apply (new image tag,
 * immutable Job template) simply runs it again.
 */
const CREATE_BUCKET = `
import { S3Client, CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, region: process.env.S3_REGION, forcePathStyle: true });
const Bucket = process.env.S3_BUCKET;
for (let i = 1; ; i++) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket })).catch(() => s3.send(new CreateBucketCommand({ Bucket })));
    console.log('bucket ready:', Bucket);
    break;
  } catch (err) {
    if (i === 60) throw err;
    await new Promise((r) => setTimeout(r, 2000));
  }
}`.trim();

/** MinIO for the local environment: the same S3 API the cloud buckets speak. */
export function renderObjectStore(s: Settings): K8sObject[] {
  if (s.bucket.mode !== 'in-cluster') return [];
  const tmp = tmpVolume('64Mi');
  const sts: IStatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(s, NAME, objectLabels(NAME, 'bucket')),
    spec: {
      serviceName: NAME,
      replicas: 1,
      selector: { matchLabels: selectorLabels(NAME) },
      template: {
        metadata: { labels: podLabels(NAME, 'bucket', 'infra') },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(APP_USER_ID),
          containers: [
            {
              name: NAME,
              image: s.bucket.image,
              // Certificates directory moved to /tmp: the root filesystem is read-only and MinIO creates it at start.
              args: ['server', '/data', '--address', `:${OBJECT_STORE_PORT}`, '--console-address', ':9001', '--certs-dir', '/tmp/certs'],
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'MINIO_ROOT_USER', valueFrom: { secretKeyRef: { name: SECRETS.bucket.name, key: SECRETS.bucket.accessKeyKey } } },
                { name: 'MINIO_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: SECRETS.bucket.name, key: SECRETS.bucket.secretKeyKey } } },
              ],
              ports: [
                { name: 's3', containerPort: OBJECT_STORE_PORT, protocol: 'TCP' },
                { name: 'console', containerPort: 9001, protocol: 'TCP' },
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              livenessProbe: { httpGet: { path: '/minio/health/live', port: 's3' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/minio/health/ready', port: 's3' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
              securityContext: containerSecurity(),
              volumeMounts: [{ name: 'data', mountPath: '/data' }, tmp.mount],
            },
          ],
          volumes: [tmp.volume],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: s.bucket.storage } } } }],
    },
  };
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s, NAME, objectLabels(NAME, 'bucket')),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(NAME),
      ports: [
        { name: 's3', port: OBJECT_STORE_PORT, targetPort: 's3', protocol: 'TCP' },
        { name: 'console', port: 9001, targetPort: 'console', protocol: 'TCP' },
      ],
    },
  };
  const jobName = `${NAME}-create-bucket`;
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(s, jobName, objectLabels(jobName, 'setup')),
    spec: {
      backoffLimit: 6,
      ttlSecondsAfterFinished: 120,
      template: {
        metadata: { labels: { ...podLabels(jobName, 'setup', 'setup') } },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(APP_USER_ID),
          containers: [
            {
              name: 'create-bucket',
              image: imageRef(s),
              imagePullPolicy: s.image.pullPolicy,
              command: ['node', '--input-type=module', '-e', CREATE_BUCKET],
              workingDir: '/app',
              envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
              env: appSecretEnv(s).filter((e) => e.name.startsWith('AWS_')),
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
              securityContext: containerSecurity(),
              volumeMounts: [tmp.mount],
            },
          ],
          volumes: [tmp.volume],
        },
      },
    },
  };
  return [k8s(sts), k8s(svc), k8s(job)];
}
