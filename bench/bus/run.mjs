#!/usr/bin/env node
// bench/bus/run.mjs: bigapp's Redis bus against BullMQ on no-op jobs (issue 2,
// "Speed and memory"). `npm run bench:bus` builds first, then runs this.
//
// Everything runs against one throwaway redis-server that this script starts
// (Debian's /usr/bin/redis-server, free port, temp dir, --save "" --appendonly
// no) and stops by PID at the end. The machine's Redis on 6379 is never used.
//
// Process layout, the same for both systems: this process is the producer (and
// the observer); the worker is a separate child process (worker-bus.mjs or
// worker-bullmq.mjs, forked with IPC), so producer, worker and redis-server
// are three processes. Each measurement gets a fresh worker child that is
// connected ('ready') before the clock starts.
//
// Figures (medians of BENCH_RUNS runs, the two systems interleaved per run):
//  e2e.c1 / e2e.c50 jobs_per_s: worker started (concurrency 1 or 50), then the
//    producer enqueues N jobs (see "burst enqueue" below) while the worker
//    works; time from the first enqueue until all N are completed. "Completed"
//    is the same for both and is observed the same way: the completion record
//    that each system durably writes to Redis, polled every 2 ms on a separate
//    connection: bigapp: LLEN demo.done (one status per job) = N; BullMQ:
//    ZCARD bull:demo:completed (default removeOnComplete=false keeps one entry
//    per completed job) = N. Neither counts in the worker process, so neither
//    counts a job before its completion is acknowledged in Redis.
//  enqueue jobs_per_s: no worker consuming; N jobs as a user would send a
//    burst: in chunks of BENCH_CHUNK (1000): BullMQ `queue.addBulk(chunk)`;
//    bigapp `Promise.all(chunk.map(() => bus.enqueue(...)))` (same-tick
//    enqueues are coalesced by the bus into one LPUSH per chunk). Each chunk is
//    awaited before the next: one batched call per 1000 jobs for both.
//  process jobs_per_s: the queue filled by the enqueue-only step (N jobs),
//    then the worker child (c50) is told to start; time from 'go' until N
//    completed (same observation as e2e).
//  latency p50/p99 ms: a steady BENCH_RATE (1000) jobs/s for BENCH_LAT_S (5) s
//    against a c50 worker; per job, time from the enqueue call until the
//    requester is *notified* of the final status by a pushed event: bigapp
//    `bus.request()` (enqueue with reply:true; the status comes over the
//    results pub/sub channel), BullMQ `queue.add()` + `job.waitUntilFinished(
//    queueEvents)` (the 'completed' event over the events stream).
//  redis_cpu_us_per_job: delta of used_cpu_sys + used_cpu_user (INFO cpu)
//    across the c50 e2e measurement (enqueue + process + completion polling),
//    divided by N.
//  worker cpu_us_per_job: CPU time of the worker child during the c50 e2e
//    measurement, / N (informative, no target).
//  worker idle_rss_mb / ready_ms: a real worker process, spawned BENCH_IDLE_RUNS
//    (3) times: bigapp: `node packages/cli/dist/bin.js start demo` (with its
//    /healthz /readyz /metrics server), ready = the JSON log line
//    msg "ready" (and /readyz is then checked for 200, reported as readyz_ms);
//    BullMQ: worker-bullmq.mjs with BENCH_STANDALONE=1, ready = the Worker's
//    'ready' event. RSS = VmRSS from /proc/<pid>/status after BENCH_IDLE_S (3)
//    s idle. Measured with nothing else of the bench running.
//
// Env: BENCH_N (20000), BENCH_RUNS (3), BENCH_ONLY=bus|bullmq, BENCH_CHUNK
// (1000), BENCH_RATE (1000), BENCH_LAT_S (5), BENCH_TIMEOUT_S (900, whole
// run), BENCH_CPU_PROF=<dir> (node --cpu-prof on the worker children),
// BENCH_WORKER_NODE_ARGS='--heap-prof ...' (more node flags for the worker children),
// BENCH_BUS_KIT=<path to another kit build's dist/index.js> (bigapp worker child only: A/B a patched bus),
// BENCH_COMMANDSTATS=1 (print Redis INFO commandstats per system after the
// c50 e2e step, as comments), BENCH_SKIP=throughput,latency,idle (skip sections).
import { spawn, fork } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const N = Number(process.env.BENCH_N ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY ?? '';
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const LAT_S = Number(process.env.BENCH_LAT_S ?? 5);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900);
const IDLE_RUNS = Number(process.env.BENCH_IDLE_RUNS ?? 3);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 3);
const CPU_PROF = process.env.BENCH_CPU_PROF ?? '';
const WORKER_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
// The V8 flags bigapp gives queue-worker processes (packages/cli/src/commands/up.ts).
const { WORKER_NODE_FLAGS } = await import('../../packages/cli/dist/commands/up.js');
const COMMANDSTATS = process.env.BENCH_COMMANDSTATS === '1';
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
if (ONLY && ONLY !== 'bus' && ONLY !== 'bullmq') {
  console.error(`BENCH_ONLY must be bus or bullmq, not ${ONLY}`);
  process.exit(2);
}
const SYSTEMS = ONLY ? [ONLY] : ['bus', 'bullmq'];

// ---------------------------------------------------------------- cleanup
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bigapp-bench-bus-'));
const children = new Set(); // ChildProcess objects still running
let redisProc;
let cleanedUp = false;
function cleanupSync() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* gone */ }
  }
  if (redisProc && redisProc.exitCode === null && redisProc.signalCode === null) {
    try { process.kill(redisProc.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  try { rmSync(tmp, { recursive: true, force: true }); } catch { /* best effort */ }
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`# bench: ${sig}, cleaning up`);
    cleanupSync();
    process.exit(130);
  });
}
process.on('unhandledRejection', (err) => {
  console.error('# bench failed:', err);
  cleanupSync();
  process.exit(1);
});
const deadline = setTimeout(() => {
  console.error(`# bench: exceeded BENCH_TIMEOUT_S=${TIMEOUT_S}s, aborting`);
  cleanupSync();
  process.exit(1);
}, TIMEOUT_S * 1000);
deadline.unref();

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms); })]).finally(() => clearTimeout(t));
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const out = [];
function emit(name, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) return; // a skipped section
  const v = typeof value === 'number' ? (Number.isFinite(value) ? +value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 3) : 'NaN') : value;
  const line = `${name}=${v}`;
  out.push(line);
  console.log(line);
}
const note = (s) => console.log(`# ${s}`);

// ---------------------------------------------------------------- redis-server
async function startRedis() {
  const port = await freePort();
  redisProc = spawn('/usr/bin/redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', tmp, '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
  ], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  redisProc.stderr.on('data', (d) => (err += d));
  for (let i = 0; i < 100; i++) {
    if (redisProc.exitCode !== null) throw new Error(`redis-server exited: ${err}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return port;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}
async function stopRedis() {
  if (!redisProc || redisProc.exitCode !== null) return;
  const exited = new Promise((r) => redisProc.once('exit', r));
  process.kill(redisProc.pid, 'SIGTERM');
  await withTimeout(exited, 5000, 'redis-server exit').catch(() => process.kill(redisProc.pid, 'SIGKILL'));
}

const port = await startRedis();
const redisUrl = `redis://127.0.0.1:${port}`;
const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 3 });
const probe = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 3 }); // completion polling

async function redisCpuUs() {
  const info = await admin.info('cpu');
  const get = (k) => Number(info.match(new RegExp(`^${k}:([0-9.]+)`, 'm'))?.[1] ?? NaN);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1e6;
}

// ---------------------------------------------------------------- worker children
function startWorker(sys, concurrency, tracing = false) {
  const script = path.join(here, sys === 'bus' ? 'worker-bus.mjs' : 'worker-bullmq.mjs');
  const execArgv = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(CPU_PROF), '--cpu-prof-name', `${sys}-c${concurrency}-${Date.now()}.cpuprofile`] : [];
  // bigapp's workers run with the V8 flags `bigapp up` and the manifests give them.
  if (sys === 'bus') execArgv.push(...WORKER_NODE_FLAGS);
  execArgv.push(...WORKER_ARGS);
  const child = fork(script, [], {
    env: { ...process.env, REDIS_URL: redisUrl, CONCURRENCY: String(concurrency), LOG_LEVEL: 'warn', TRACING: tracing ? 'on' : 'off' },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise((r) => child.once('exit', (code, sig) => { children.delete(child); r({ code, sig }); }));
  const waitMsg = (t, ms) => withTimeout(new Promise((resolve, reject) => {
    const onMsg = (m) => { if (m?.t === t) { child.off('message', onMsg); resolve(m); } };
    child.on('message', onMsg);
    exited.then(({ code, sig }) => reject(new Error(`${sys} worker exited (${code ?? sig}) before '${t}'`)));
  }), ms, `${sys} worker '${t}'`);
  const ready = waitMsg('ready', 20_000);
  return {
    ready,
    async go() {
      const started = waitMsg('started', 20_000);
      child.send({ t: 'go' });
      return started;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return { cpuUs: NaN };
      const stopped = waitMsg('stopped', 10_000).catch(() => ({ cpuUs: NaN }));
      child.send({ t: 'stop' });
      const r = await stopped;
      await withTimeout(exited, 5_000, `${sys} worker exit`).catch(() => child.kill('SIGKILL'));
      return r;
    },
  };
}

// ---------------------------------------------------------------- producers
async function makeProducer(sys) {
  if (sys === 'bus') {
    const { openBus, createLogger } = await import('../../packages/kit/dist/index.js');
    const log = createLogger({ level: 'warn', pretty: false });
    const { bus, cache } = openBus({ redisUrl, log });
    await bus.stats('demo');
    return {
      // One chunk = CHUNK enqueues in the same tick = one LPUSH.
      async burst(n) {
        for (let i = 0; i < n; i += CHUNK) {
          const k = Math.min(CHUNK, n - i);
          const ps = new Array(k);
          for (let j = 0; j < k; j++) ps[j] = bus.enqueue('demo', 'noop', {});
          await Promise.all(ps);
        }
      },
      // Resolves when the requester is notified of the final status (results channel).
      request: () => bus.request('demo', 'noop', {}, { waitMs: 30_000 }),
      completed: () => probe.llen('demo.done'),
      async close() { await bus.close(); await cache.close(); },
    };
  }
  const { Queue, QueueEvents } = await import('bullmq');
  const connection = { host: '127.0.0.1', port };
  const queue = new Queue('demo', { connection });
  await queue.waitUntilReady();
  queue.setMaxListeners(0); // many add() in flight at once in the latency step: not a leak
  let events;
  return {
    async burst(n) {
      for (let i = 0; i < n; i += CHUNK) {
        const k = Math.min(CHUNK, n - i);
        const jobs = new Array(k);
        for (let j = 0; j < k; j++) jobs[j] = { name: 'noop', data: {} };
        await queue.addBulk(jobs);
      }
    },
    async request() {
      // One QueueEvents for all requests (memoized promise: concurrent first calls share it).
      events ??= (async () => {
        const qe = new QueueEvents('demo', { connection });
        qe.setMaxListeners(0); // one listener per job awaiting its completion
        await qe.waitUntilReady();
        return qe;
      })();
      const qe = await events;
      const job = await queue.add('noop', {});
      return job.waitUntilFinished(qe, 30_000);
    },
    completed: () => probe.zcard('bull:demo:completed'),
    async close() { if (events) await (await events).close(); await queue.close(); },
  };
}

async function waitCompleted(prod, n, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const c = await prod.completed();
    if (c >= n) return performance.now();
    if (Date.now() > until) throw new Error(`only ${c}/${n} completed within ${ms} ms`);
    await sleep(2);
  }
}
const doneTimeout = () => Math.max(120_000, N * 10);

// ---------------------------------------------------------------- measurements
async function e2e(sys, prod, concurrency, withCpu, tracing = false) {
  await admin.flushall();
  const w = startWorker(sys, concurrency, tracing);
  await w.ready;
  await w.go();
  if (withCpu && COMMANDSTATS) await admin.config('RESETSTAT');
  const cpu0 = withCpu ? await redisCpuUs() : 0;
  const t0 = performance.now();
  const produced = prod.burst(N);
  const t1 = await waitCompleted(prod, N, doneTimeout());
  await produced;
  const cpu1 = withCpu ? await redisCpuUs() : 0;
  if (withCpu && COMMANDSTATS) {
    const cs = await admin.info('commandstats');
    note(`${sys} c${concurrency} commandstats:`);
    for (const l of cs.split('\n').filter((l) => l.startsWith('cmdstat_'))) note(`  ${l.trim()}`);
  }
  const { cpuUs } = await w.stop();
  return { jobsPerS: N / ((t1 - t0) / 1000), redisCpuUsPerJob: (cpu1 - cpu0) / N, workerCpuUsPerJob: cpuUs / N };
}

async function enqueueThenProcess(sys, prod) {
  await admin.flushall();
  const w = startWorker(sys, 50);
  await w.ready;
  const t0 = performance.now();
  await prod.burst(N);
  const t1 = performance.now();
  const t2 = performance.now();
  await w.go();
  const t3 = await waitCompleted(prod, N, doneTimeout());
  await w.stop();
  return { enqueue: N / ((t1 - t0) / 1000), process: N / ((t3 - t2) / 1000) };
}

async function latency(sys, prod) {
  await admin.flushall();
  const w = startWorker(sys, 50);
  await w.ready;
  await w.go();
  // Warm-up: subscription / QueueEvents set up, JIT, first-use paths.
  await Promise.all(Array.from({ length: 200 }, () => prod.request()));
  const total = Math.round(RATE * LAT_S);
  const lat = [];
  const pending = [];
  let sent = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
      while (sent < due) {
        sent++;
        const t = performance.now();
        pending.push(prod.request().then(() => lat.push(performance.now() - t)));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sendS = (performance.now() - start) / 1000;
  await withTimeout(Promise.all(pending), 60_000, `${sys} latency requests`);
  await w.stop();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), rate: total / sendS };
}

function readRssMb(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(s.match(/^VmRSS:\s+(\d+)\s+kB/m)[1]) / 1024;
}
function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

async function idleWorker(sys) {
  await admin.flushall();
  const dataDir = path.join(tmp, `data-${sys}`);
  const [cmd, args, env] = sys === 'bus'
    ? [process.execPath, [...WORKER_NODE_FLAGS, path.join(root, 'packages/cli/dist/bin.js'), 'start', 'demo'],
      { REDIS_URL: redisUrl, BIGAPP_OPS_PORT: '0', LOG_FORMAT: 'json', BIGAPP_DATA_DIR: dataDir, BIGAPP_CONCURRENCY: '50' }]
    : [process.execPath, [path.join(here, 'worker-bullmq.mjs')], { REDIS_URL: redisUrl, BENCH_STANDALONE: '1', CONCURRENCY: '50' }];
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: tmp, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise((r) => child.once('exit', (code, sig) => { children.delete(child); r({ code, sig }); }));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const readyLine = await withTimeout(new Promise((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            const j = JSON.parse(line);
            if (j.msg === 'ready') resolve({ at: performance.now(), j });
          } catch { /* not JSON */ }
        }
      });
      exited.then(({ code, sig }) => reject(new Error(`${sys} idle worker exited (${code ?? sig}): ${stderr.slice(0, 2000)}`)));
    }), 20_000, `${sys} idle worker ready`);
    const r = { readyMs: readyLine.at - t0 };
    if (sys === 'bus') {
      const opsPort = readyLine.j.opsPort;
      for (;;) {
        const st = await httpStatus(`http://127.0.0.1:${opsPort}/readyz`);
        if (st === 200) { r.readyzMs = performance.now() - t0; break; }
        if (performance.now() - t0 > 20_000) { r.readyzMs = NaN; note(`bus /readyz never returned 200 (last ${st})`); break; }
        await sleep(5);
      }
    }
    await sleep(IDLE_S * 1000);
    r.rssMb = readRssMb(child.pid);
    if (sys === 'bus') r.metricsOk = (await httpStatus(`http://127.0.0.1:${readyLine.j.opsPort}/metrics`)) === 200;
    return r;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, `${sys} idle worker exit`).catch(() => child.kill('SIGKILL'));
    }
  }
}

// ---------------------------------------------------------------- main
const ncpu = os.cpus().length;
note(`bench/bus: N=${N} runs=${RUNS} chunk=${CHUNK} systems=${SYSTEMS.join(',')} redis=${(await admin.info('server')).match(/redis_version:(\S+)/)[1]} port=${port} node=${process.version} cpus=${ncpu} load=${os.loadavg().map((x) => x.toFixed(2)).join(',')}`);
try {
  const bullmqVersion = JSON.parse(readFileSync(path.join(root, 'node_modules/bullmq/package.json'), 'utf8')).version;
  note(`bullmq ${bullmqVersion}`);
} catch { /* not installed */ }

const res = Object.fromEntries(SYSTEMS.map((s) => [s, { c1: [], c50: [], c50t: [], cpu: [], wcpu: [], enq: [], proc: [], p50: [], p99: [], rate: [], idle: [] }]));
const prods = {};
for (const s of SYSTEMS) prods[s] = await makeProducer(s);

// Warm-up of the producer side (not recorded).
if (!SKIP.has('throughput')) for (const s of SYSTEMS) await e2e(s, prods[s], 50, false).catch((e) => note(`warm-up ${s} failed: ${e.message}`));

for (let run = 1; run <= RUNS; run++) {
  for (const s of SYSTEMS) {
    const r = res[s];
    let a = { jobsPerS: NaN }, b = { jobsPerS: NaN, redisCpuUsPerJob: NaN, workerCpuUsPerJob: NaN }, c = { enqueue: NaN, process: NaN };
    if (!SKIP.has('throughput')) {
      a = await e2e(s, prods[s], 1, false);
      r.c1.push(a.jobsPerS);
      b = await e2e(s, prods[s], 50, true);
      r.c50.push(b.jobsPerS);
      // The same run with the worker's tracing on (issue: instrumentation costs at most 10 %).
      if (s === 'bus') r.c50t.push((await e2e(s, prods[s], 50, false, true)).jobsPerS);
      r.cpu.push(b.redisCpuUsPerJob);
      r.wcpu.push(b.workerCpuUsPerJob);
      c = await enqueueThenProcess(s, prods[s]);
      r.enq.push(c.enqueue);
      r.proc.push(c.process);
    }
    if (!SKIP.has('latency')) {
      if (COMMANDSTATS) await admin.config('RESETSTAT');
      const l = await latency(s, prods[s]);
      if (COMMANDSTATS) {
        note(`${s} latency-step commandstats (incl. warm-up):`);
        for (const x of (await admin.info('commandstats')).split('\n').filter((x) => x.startsWith('cmdstat_'))) note(`  ${x.trim()}`);
      }
      r.p50.push(l.p50);
      r.p99.push(l.p99);
      r.rate.push(l.rate);
    }
    note(`run ${run} ${s}: c1=${a.jobsPerS.toFixed(0)} c50=${b.jobsPerS.toFixed(0)} enq=${c.enqueue.toFixed(0)} proc=${c.process.toFixed(0)} redisCpu=${b.redisCpuUsPerJob.toFixed(1)}us/job workerCpu=${b.workerCpuUsPerJob.toFixed(1)}us/job${r.p50.length ? ` p50=${r.p50.at(-1).toFixed(2)}ms p99=${r.p99.at(-1).toFixed(2)}ms` : ''}`);
  }
}
for (const s of SYSTEMS) await prods[s].close();

if (!SKIP.has('idle')) {
  for (let i = 0; i < IDLE_RUNS; i++) for (const s of SYSTEMS) res[s].idle.push(await idleWorker(s));
}

// ---------------------------------------------------------------- report
for (const s of SYSTEMS) {
  const r = res[s];
  emit(`${s}.e2e.c1.jobs_per_s`, median(r.c1));
  emit(`${s}.e2e.c50.jobs_per_s`, median(r.c50));
  if (r.c50t.length) {
    emit(`${s}.e2e.c50.tracing_on.jobs_per_s`, median(r.c50t));
    emit(`${s}.e2e.c50.tracing_on.ratio_vs_off`, median(r.c50t) / median(r.c50));
  }
  emit(`${s}.enqueue.jobs_per_s`, median(r.enq));
  emit(`${s}.process.c50.jobs_per_s`, median(r.proc));
  if (r.p50.length) {
    emit(`${s}.latency.p50_ms`, median(r.p50));
    emit(`${s}.latency.p99_ms`, median(r.p99));
    emit(`${s}.latency.offered_jobs_per_s`, median(r.rate));
  }
  emit(`${s}.redis_cpu_us_per_job`, median(r.cpu));
  emit(`${s}.worker.cpu_us_per_job`, median(r.wcpu));
  if (r.idle.length) {
    emit(`${s}.worker.idle_rss_mb`, median(r.idle.map((x) => x.rssMb)));
    emit(`${s}.worker.ready_ms`, median(r.idle.map((x) => x.readyMs)));
    if (s === 'bus') {
      emit('bus.worker.readyz_ms', median(r.idle.map((x) => x.readyzMs)));
      emit('bus.worker.metrics_ok', r.idle.every((x) => x.metricsOk));
    }
  }
}
const targets = [];
// A target whose figures were not measured (skipped section) is not reported.
// Printed as <figure>.target_<min|max>=<bound> and <figure>.target_met=true|false.
const target = (name, bound, value, ok) => { if (!Number.isFinite(value)) return; targets.push(ok); const [bk, bv] = bound.split('='); emit(`${name}.${bk}`, Number(bv)); emit(`${name}.target_met`, ok); };
if (res.bus && res.bullmq) {
  const B = res.bus, Q = res.bullmq;
  const ratio = (a, b) => median(a) / median(b);
  emit('bus.e2e.c1.ratio_vs_bullmq', ratio(B.c1, Q.c1));
  emit('bus.e2e.c50.ratio_vs_bullmq', ratio(B.c50, Q.c50));
  emit('bus.enqueue.ratio_vs_bullmq', ratio(B.enq, Q.enq));
  emit('bus.process.c50.ratio_vs_bullmq', ratio(B.proc, Q.proc));
  if (B.p50.length && Q.p50.length) {
    emit('bus.latency.p50.ratio_vs_bullmq', ratio(B.p50, Q.p50));
    emit('bus.latency.p99.ratio_vs_bullmq', ratio(B.p99, Q.p99));
  }
  emit('bus.redis_cpu.ratio_vs_bullmq', ratio(B.cpu, Q.cpu));
  if (B.idle.length && Q.idle.length) emit('bus.worker.idle_rss.ratio_vs_bullmq', median(B.idle.map((x) => x.rssMb)) / median(Q.idle.map((x) => x.rssMb)));
  target('bus.e2e.c50.ratio_vs_bullmq', 'target_min=3', ratio(B.c50, Q.c50), ratio(B.c50, Q.c50) >= 3);
  target('bus.e2e.c1.ratio_vs_bullmq', 'target_min=2', ratio(B.c1, Q.c1), ratio(B.c1, Q.c1) >= 2);
  if (B.p50.length && Q.p50.length) target('bus.latency.p50.ratio_vs_bullmq', 'target_max=0.5', ratio(B.p50, Q.p50), ratio(B.p50, Q.p50) <= 0.5);
  target('bus.redis_cpu.ratio_vs_bullmq', 'target_max=0.2', ratio(B.cpu, Q.cpu), ratio(B.cpu, Q.cpu) <= 0.2);
}
if (res.bus && res.bus.idle.length) {
  const rss = median(res.bus.idle.map((x) => x.rssMb));
  const ready = median(res.bus.idle.map((x) => x.readyMs));
  target('bus.worker.idle_rss_mb', 'target_max=80', rss, rss <= 80);
  target('bus.worker.ready_ms', 'target_max=500', ready, ready <= 500);
}
if (targets.length) emit('bench.targets_met', `${targets.filter(Boolean).length}/${targets.length}`);

await admin.quit();
await probe.quit();
await stopRedis();
cleanupSync();
clearTimeout(deadline);
process.exit(0);
