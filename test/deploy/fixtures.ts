import type { ServiceDeclaration } from '@bigapp/kit/service';
import { loadSettings, type DeepPartial, type Settings } from '@bigapp/deploy';

/** One declaration of each kind, shaped like the services the reference app will add. */
export const web: ServiceDeclaration = {
  name: 'web',
  kind: 'web',
  description: 'HTTP API and UI',
  httpPort: 8080,
  drainMs: 15_000,
  scaling: { minReplicas: 2, maxReplicas: 8, cpuTargetPercent: 65 },
  resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
};

export const imageWorker: ServiceDeclaration = {
  name: 'image',
  kind: 'worker',
  description: 'thumbnails',
  concurrency: 4,
  drainMs: 60_000,
  scaling: { minReplicas: 0, maxReplicas: 20, queueLengthTarget: 10 },
  resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '1Gi' },
};

export const exportWorker: ServiceDeclaration = {
  name: 'export',
  kind: 'worker',
  description: 'workspace archives',
  scaling: { minReplicas: 1, maxReplicas: 5 },
};

export const cmd: ServiceDeclaration = {
  name: 'cmd',
  kind: 'singleton',
  description: 'migrations and admin',
  scaling: { minReplicas: 1, maxReplicas: 1 },
};

export const synthetic: ServiceDeclaration[] = [web, imageWorker, exportWorker, cmd];

/** Settings from code defaults and the committed deploy/env files only, never the caller's BIGAPP_DEPLOY_* variables. */
export function settingsFor(env: string, overrides: DeepPartial<Settings> = {}): Settings {
  return loadSettings(env, { vars: {}, overrides });
}
