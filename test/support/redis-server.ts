import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway redis-server for fault tests: own port, own folder, stopped by
 * PID. The machine's shared Redis is never touched.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function redisServerAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class ThrowawayRedis {
  private proc: ChildProcess | undefined;
  readonly dir: string;
  constructor(readonly port: number, private readonly persistent: boolean) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'bigapp-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(o: { persistent?: boolean } = {}): Promise<ThrowawayRedis> {
    const r = new ThrowawayRedis(await freePort(), o.persistent ?? false);
    await r.launch();
    return r;
  }

  async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--logfile', path.join(this.dir, 'redis.log')];
    // Persistence for restart tests: every write is in the AOF before it is acknowledged.
    if (this.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (await new Promise<boolean>((res) => {
        const s = net.connect(this.port, '127.0.0.1');
        s.once('connect', () => { s.end(); res(true); });
        s.once('error', () => res(false));
      })) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** SIGTERM: Redis finishes writing its AOF, then exits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await exited;
    this.proc = undefined;
  }

  async restart(downMs = 500): Promise<void> {
    await this.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
