import { spawn, spawnSync } from 'node:child_process';
import { DeployError } from './errors.js';

export interface Command {
  cmd: string;
  args: string[];
}

export function format(c: Command): string {
  return [c.cmd, ...c.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs a command with the terminal attached; resolves to its exit code. */
export function run(c: Command, opts: { cwd?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.cmd, c.args, { stdio: 'inherit', cwd: opts.cwd });
    child.on('error', (err) =>
      reject(new DeployError('deploy_command_failed', `cannot run ${c.cmd}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed or not on PATH' : err.message}`, { cause: err })),
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Runs a command and returns its trimmed stdout; throws with its stderr on failure. */
export function capture(c: Command): string {
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8' });
  if (r.error) throw new DeployError('deploy_command_failed', `cannot run ${c.cmd}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new DeployError('deploy_command_failed', `${format(c)} failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout.trim();
}
