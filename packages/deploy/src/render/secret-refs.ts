import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { SECRETS } from '../names.js';
import type { Settings } from '../settings.js';

/**
 * Secrets are referenced, never rendered: values are created in the cluster
 * with `kubectl create secret` (docs/deploy.md), so nothing secret is
 * committed. `requiredSecrets` lists them for the docs and the CLI.
 */
function fromSecret(env: string, name: string, key: string): IEnvVar {
  return { name: env, valueFrom: { secretKeyRef: { name, key } } };
}

export function appSecretEnv(s: Settings): IEnvVar[] {
  const env = [
    fromSecret('DATABASE_URL', SECRETS.database.name, SECRETS.database.urlKey),
    fromSecret('BUCKET_SIGNING_SECRET', SECRETS.signing.name, SECRETS.signing.key),
  ];
  // The AWS SDK's default chain reads these names, and falls through to IRSA / Pod Identity when they are absent.
  if (s.bucket.credentials === 'secret') {
    env.push(
      fromSecret('AWS_ACCESS_KEY_ID', SECRETS.bucket.name, SECRETS.bucket.accessKeyKey),
      fromSecret('AWS_SECRET_ACCESS_KEY', SECRETS.bucket.name, SECRETS.bucket.secretKeyKey),
    );
  }
  return env;
}

export interface SecretRequirement {
  name: string;
  keys: string[];
  purpose: string;
}

export function requiredSecrets(s: Settings): SecretRequirement[] {
  const list: SecretRequirement[] = [
    { name: SECRETS.database.name, keys: [SECRETS.database.urlKey], purpose: 'DATABASE_URL of the app pods' },
    { name: SECRETS.signing.name, keys: [SECRETS.signing.key], purpose: 'key that signs bucket URLs' },
  ];
  if (s.bucket.credentials === 'secret') {
    list.push({ name: SECRETS.bucket.name, keys: [SECRETS.bucket.accessKeyKey, SECRETS.bucket.secretKeyKey], purpose: s.bucket.mode === 'in-cluster' ? 'object store root user (secret >= 8 characters) and the app\'s S3 keys' : 'S3 access keys' });
  }
  if (s.database.mode === 'in-cluster') {
    list.push({ name: SECRETS.postgres.name, keys: [SECRETS.postgres.passwordKey], purpose: 'password of the in-cluster PostgreSQL user "bigapp"' });
  }
  return list;
}
