import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@bigapp/deploy';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/** Enough of the Dockerfile grammar for these rules: comments, line continuations, stages. */
function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) && current === '') continue;
    if (/^\s*#/.test(line)) continue; // comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`cannot parse: ${l}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      stages.push({ base: f![1]!, name: f![2], instructions: [] });
    } else if (stages.length === 0) {
      args.push({ op, args: rest });
    } else {
      stages.at(-1)!.instructions.push({ op, args: rest });
    }
  }
  return { args, stages };
}

const dockerfile = readFileSync(path.join(repoRoot, 'deploy', 'Dockerfile'), 'utf8');
const { stages } = parseDockerfile(dockerfile);
const final = stages.at(-1)!;
const ops = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op);

describe('deploy/Dockerfile', () => {
  it('is multi-stage and every stage is node:20-alpine', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.base).toBe('node:20-alpine');
  });

  it('the final stage installs production dependencies only, on alpine, without lifecycle scripts', () => {
    const installs = ops(final, 'RUN').filter((r) => /npm (ci|install)/.test(r.args));
    expect(installs).toHaveLength(1);
    expect(installs[0]!.args).toMatch(/npm ci\b.*--omit=dev/);
    expect(installs[0]!.args).toContain('--ignore-scripts');
    // Compiled output comes from the build stage, never the toolchain.
    const copies = ops(final, 'COPY').map((c) => c.args);
    expect(copies.some((c) => /--from=build\s/.test(c))).toBe(true);
    expect(copies.some((c) => /node_modules/.test(c))).toBe(false);
  });

  it('the build stage compiles with tsc -b', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(ops(build, 'RUN').some((r) => r.args.includes('npx tsc -b'))).toBe(true);
  });

  it('runs as a non-root user, numerically (so runAsNonRoot can verify it)', () => {
    const users = ops(final, 'USER');
    expect(users).toHaveLength(1);
    const [user] = users[0]!.args.split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    // ...and it is the uid the pods' securityContext uses.
    expect(user).toBe('10001');
    // The user switch comes after every RUN, so nothing runs as root afterwards.
    const idx = final.instructions.findIndex((i) => i.op === 'USER');
    expect(final.instructions.slice(idx).some((i) => i.op === 'RUN')).toBe(false);
  });

  it('has a HEALTHCHECK against /healthz on the ops port without curl', () => {
    const hc = ops(final, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/CMD .*(wget|node).*healthz/);
    expect(hc[0]!.args).not.toContain('curl');
    expect(dockerfile).toMatch(/BIGAPP_OPS_PORT=9400/);
  });

  it('uses bigapp as entrypoint with the service as argument', () => {
    const ep = ops(final, 'ENTRYPOINT');
    expect(ep).toHaveLength(1);
    const entry = JSON.parse(ep[0]!.args) as string[];
    expect(entry.at(-1)).toBe('bigapp');
    const cmd = JSON.parse(ops(final, 'CMD')[0]!.args) as string[];
    expect(cmd[0]).toBe('start');
    expect(ops(final, 'RUN').some((r) => r.args.includes('/usr/local/bin/bigapp') && r.args.includes('/app/packages/cli/dist/bin.js'))).toBe(true);
  });

  it('labels the image with the version from a build argument', () => {
    expect(ops(final, 'ARG').map((a) => a.args)).toContain('VERSION=0.0.0');
    expect(ops(final, 'LABEL').some((l) => l.args.includes('org.opencontainers.image.version="${VERSION}"'))).toBe(true);
  });

  it('keeps the repository layout so node_modules/@bigapp/* links resolve', () => {
    expect(ops(final, 'WORKDIR').map((w) => w.args)).toEqual(['/app']);
    // Workspace package.json files land at their repository paths before npm ci creates the links.
    expect(final.instructions.findIndex((i) => i.op === 'COPY' && i.args.includes('--from=manifests'))).toBeLessThan(
      final.instructions.findIndex((i) => i.op === 'RUN' && i.args.includes('npm ci')),
    );
  });
});

describe('.dockerignore', () => {
  const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  it.each(['node_modules', '.git', '.data', '**/dist'])('excludes %s', (p) => {
    expect(ignore).toContain(p);
  });
  it('does not exclude what the build needs', () => {
    for (const needed of ['package.json', 'package-lock.json', 'packages', 'services', 'tsconfig.json', 'tsconfig.base.json']) expect(ignore).not.toContain(needed);
  });
});
