import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Manifest } from './objects.js';

export const RENDER_COMMAND = (env: string) => `bigapp k8s render --env ${env}`;
const MARKER = '# Rendered by `bigapp k8s render';

function header(env: string): string {
  return (
    `${MARKER} --env ${env}\` from services/registry.ts and the "${env}" settings\n` +
    `# (packages/deploy/src/environments.ts, deploy/env/${env}.json). Do not edit: change those and re-render.\n`
  );
}

function toYaml(value: unknown): string {
  // lineWidth 0: long values (image refs, inline scripts) stay on one line or in a block, never folded mid-word.
  return stringify(value, { lineWidth: 0, indent: 2, aliasDuplicateObjects: false });
}

/** File name → content, with kustomization.yaml listing the files in dependency order. */
export function toFiles(env: string, manifests: readonly Manifest[]): Map<string, string> {
  const groups = new Map<string, Manifest['object'][]>();
  for (const m of manifests) {
    const list = groups.get(m.file) ?? [];
    list.push(m.object);
    groups.set(m.file, list);
  }
  const files = new Map<string, string>();
  for (const [file, objects] of groups) files.set(file, header(env) + objects.map((o) => `---\n${toYaml(o)}`).join(''));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...groups.keys()],
  };
  files.set('kustomization.yaml', header(env) + toYaml(kustomization));
  return files;
}

/**
 * Replaces the rendered files in `dir`. Files this tool did not write (no
 * header) are left alone; ones it wrote earlier but no longer renders (a
 * removed service) are deleted, so the directory mirrors the registry.
 */
export async function writeFiles(dir: string, files: Map<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.yaml') || files.has(name)) continue;
    const content = await readFile(path.join(dir, name), 'utf8').catch(() => '');
    if (content.startsWith(MARKER)) await rm(path.join(dir, name));
  }
  const written: string[] = [];
  for (const [name, content] of files) {
    await writeFile(path.join(dir, name), content);
    written.push(path.join(dir, name));
  }
  return written;
}

/** Rendered files in `dir` (those carrying the header), for drift checks. */
export async function readRendered(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.yaml')) continue;
    const content = await readFile(path.join(dir, name), 'utf8');
    if (content.startsWith(MARKER)) out.set(name, content);
  }
  return out;
}

/** Names of files that differ between two renders (missing on either side counts). */
export function diffFiles(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const names = new Set([...expected.keys(), ...actual.keys()]);
  return [...names].filter((n) => expected.get(n) !== actual.get(n)).sort();
}
