import { defineService } from '@bigapp/kit';
import { runQueued, startCmd } from './src/handler.js';

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
  jobs: { run: { handler: runQueued, timeoutMs: 3_600_000 } },
  concurrency: 1,
  drainMs: 30_000,
  start: startCmd,
  scaling: { minReplicas: 1, maxReplicas: 1 },
  resources: { cpuRequest: '50m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
