// BullMQ worker for bench/bus/run.mjs: the same protocol as worker-bus.mjs
// (child process over IPC: ready / go→started / stop→stopped), default job
// options (completed jobs are kept, as bigapp keeps each status in demo.done).
//
// With BENCH_STANDALONE=1 it is instead the minimal idle worker used for the
// start-up and idle-RSS figures: autorun, prints one JSON line {"msg":"ready"}
// on the Worker's 'ready' event, and stays idle until SIGTERM.
import { Worker } from 'bullmq';

const url = new URL(process.env.REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port) };
const concurrency = Number(process.env.CONCURRENCY ?? 50);

if (process.env.BENCH_STANDALONE === '1') {
  const worker = new Worker('demo', async () => null, { connection, concurrency });
  worker.on('ready', () => process.stdout.write(JSON.stringify({ msg: 'ready' }) + '\n'));
  worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
  process.on('SIGTERM', () => worker.close().then(() => process.exit(0), () => process.exit(1)));
} else {
  const worker = new Worker('demo', async () => null, { connection, concurrency, autorun: false });
  worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
  await worker.waitUntilReady();
  let cpu0;
  let running;
  process.on('message', async (m) => {
    if (m.t === 'go') {
      cpu0 = process.cpuUsage();
      running = worker.run();
      running.catch((err) => process.stderr.write(`worker run failed: ${err.message}\n`));
      process.send({ t: 'started' });
    } else if (m.t === 'stop') {
      const cpu = process.cpuUsage(cpu0);
      await worker.close();
      process.send({ t: 'stopped', cpuUs: cpu.user + cpu.system }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ t: 'ready' });
}
