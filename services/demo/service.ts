import { defineService } from '@bigapp/kit';
import { echo, fail, noop } from './src/handlers.js';
import { startTicker } from './src/ticker.js';

/** A small worker that shows the bus end to end; replaced by the reference app's services. */
export default defineService({
  name: 'demo',
  kind: 'worker',
  description: 'Demo worker: echo (request/response), noop (benchmarks), fail (retries and dead letters)',
  jobs: {
    echo: { handler: echo, timeoutMs: 65_000 },
    noop: { handler: noop },
    fail: { handler: fail, timeoutMs: 2_000 },
  },
  produces: { jobs: ['demo.echo'], events: ['demo.echoed'] },
  start: startTicker,
  concurrency: 50,
  // Demo jobs are short: taking ahead saves a round trip per job.
  prefetch: 64,
  drainMs: 10_000,
  scaling: { minReplicas: 1, maxReplicas: 10, queueLengthTarget: 500 },
  resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '96Mi', memoryLimit: '256Mi' },
});
