import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The repository root. Derived from this file's location (src/ under vitest,
 * dist/ when compiled: both three levels down) so that `bigapp k8s render`
 * writes to the same place whatever directory it is run from.
 */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url)).replace(/[\\/]$/, '');

export function defaultOutDir(env: string, root = repoRoot): string {
  return path.join(root, 'deploy', 'k8s', env);
}

export function defaultConfigDir(root = repoRoot): string {
  return path.join(root, 'deploy', 'env');
}

/** The version the image is labelled and tagged with: the root package.json's. */
export function appVersion(root = repoRoot): string {
  const file = path.join(root, 'package.json');
  if (!existsSync(file)) return '0.0.0';
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
