import path from 'node:path';
import { imageRef } from './environments.js';
import { appVersion, repoRoot } from './paths.js';
import type { Settings } from './settings.js';
import type { Command } from './exec.js';

export interface BuildOptions {
  /** e.g. linux/amd64 when building on an arm64 laptop for amd64 nodes. */
  platform?: string;
  root?: string;
  /** Extra tags (e.g. a git sha) next to the version tag. */
  extraTags?: string[];
}

/** docker build for the one image every service runs from; the context is the repository root. */
export function buildCommand(s: Settings, opts: BuildOptions = {}): Command {
  const root = opts.root ?? repoRoot;
  const ref = imageRef(s);
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  const args = ['build', '-f', path.join(root, 'deploy', 'Dockerfile'), '--build-arg', `VERSION=${appVersion(root)}`, '-t', ref];
  for (const t of opts.extraTags ?? []) args.push('-t', `${repo}:${t}`);
  if (opts.platform) args.push('--platform', opts.platform);
  args.push(root);
  return { cmd: 'docker', args };
}

export function pushCommands(s: Settings, opts: Pick<BuildOptions, 'extraTags'> = {}): Command[] {
  const ref = imageRef(s);
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  return [ref, ...(opts.extraTags ?? []).map((t) => `${repo}:${t}`)].map((r) => ({ cmd: 'docker', args: ['push', r] }));
}
