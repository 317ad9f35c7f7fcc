import { defineService } from '@bigapp/kit';

// Implementations load on first use: importing the registry (every process
// does) must not pull in the database driver, sharp or the AWS SDK.
const impl = () => import('./src/handler.js');

/**
 * The cmd-pod: every operations task (migrations, seeding, users, queues,
 * storage, backups) in one singleton, run from the CLI, inside the pod, or
 * remotely through cmd.queue. One operation acts at a time.
 */
export default defineService({
  name: 'cmd',
  kind: 'singleton',
  description: 'cmd-pod: migrations, seed, users, queue and storage operations, backups',
  needs: { db: true, bucket: true },
  jobs: { run: { handler: async (data, job) => (await impl()).runQueued(data, job), timeoutMs: 3_600_000 } },
  concurrency: 1,
  drainMs: 30_000,
  start: async (ctx) => (await impl()).startCmd(ctx),
  scaling: { minReplicas: 1, maxReplicas: 1 },
  resources: { cpuRequest: '50m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
