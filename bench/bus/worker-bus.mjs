// bigapp bus worker for bench/bus/run.mjs, run as a child process (fork, IPC).
// Protocol: sends {t:'ready'} once connected; on {t:'go'} starts consuming
// demo.queue with a no-op handler and replies {t:'started'}; on {t:'stop'}
// drains, closes and replies {t:'stopped', cpuUs} (CPU used since 'go'), then exits.
// BENCH_BUS_KIT=<path to a kit dist/index.js> runs the worker on another build of the kit (A/B experiments).
const { openBus, createLogger } = await import(process.env.BENCH_BUS_KIT ?? '../../packages/kit/dist/index.js');

// The demo service's own declaration decides how far ahead it takes jobs.
const { default: demo } = await import('../../services/dist/demo/service.js');
if (process.env.TRACING === 'on') {
  // Tracing as `bigapp start` sets it up: a span per job run, kept in memory.
  const { setupTracing } = await import(new URL('tracing/setup.js', new URL(process.env.BENCH_BUS_KIT ?? '../../packages/kit/dist/index.js', import.meta.url)).href);
  await setupTracing({ serviceName: 'demo', instance: 'bench', version: 'bench' });
}
const redisUrl = process.env.REDIS_URL;
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const log = createLogger({ level: 'warn', pretty: false });
// The done list is capped (BusSettings.doneMaxLen, default 100,000); keep the cap on (as in
// production) but never below what one measurement needs, or LLEN demo.done could not reach N.
const N = Number(process.env.BENCH_N ?? 20_000);
const { bus, cache } = openBus({ redisUrl, log, settings: { doneMaxLen: Math.max(100_000, 2 * N) } });
await bus.stats('demo'); // one round trip: connected
let consumer;
let cpu0;
process.on('message', async (m) => {
  if (m.t === 'go') {
    cpu0 = process.cpuUsage();
    consumer = await bus.work({ service: 'demo', handlers: { noop: { handler: async () => null } }, concurrency, prefetch: demo.prefetch ?? 0 });
    process.send({ t: 'started' });
  } else if (m.t === 'stop') {
    const cpu = process.cpuUsage(cpu0);
    if (consumer) await bus.stopConsumer(consumer, 1000);
    await bus.close();
    await cache.close();
    process.send({ t: 'stopped', cpuUs: cpu.user + cpu.system }, () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'ready' });
