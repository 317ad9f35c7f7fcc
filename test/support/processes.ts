import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface Spawned {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  output: () => string;
  waitForLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the compiled `bigapp` CLI with JSON logs and collects its log lines. */
export function runBigapp(args: string[], env: Record<string, string>): Spawned {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', BIGAPP_OPS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    const parts = text.split('\n');
    text = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ msg: p });
      }
    }
    for (const w of waiters) w();
  };
  let all = '';
  proc.stdout!.on('data', (c: Buffer) => { all += c.toString(); onData(c); });
  proc.stderr!.on('data', (c: Buffer) => { all += c.toString(); onData(c); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return {
    proc,
    lines,
    output: () => all,
    exited,
    waitForLine(pred, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${all.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Stops a `bigapp up` supervisor (SIGTERM, then SIGKILL after 10 s) and kills
 * any replica it started, in case it died first: a test never leaves workers behind.
 */
export async function stopSupervisor(up: Spawned | undefined): Promise<void> {
  if (up && up.proc.exitCode === null) {
    up.proc.kill('SIGTERM');
    await Promise.race([up.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (up.proc.exitCode === null) up.proc.kill('SIGKILL');
  }
  for (const l of up?.lines ?? []) {
    if (l.msg === 'replica started' && typeof l.pid === 'number') {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
