import { DeployError } from './errors.js';
import { capture, type Command } from './exec.js';
import type { Settings } from './settings.js';

export type KubectlAction = 'apply' | 'diff' | 'delete';

/**
 * Refuses when kubectl's current context is not the environment's: the
 * commonest production accident is applying local manifests to prod (or
 * deleting prod) because the shell still pointed there.
 */
export function checkContext(s: Settings, current: string): void {
  if (current !== s.kubeContext) {
    throw new DeployError(
      'deploy_context_mismatch',
      `kubectl's current context is "${current || '(none)'}" but environment "${s.env}" deploys to "${s.kubeContext}". ` +
        `Switch with \`kubectl config use-context ${s.kubeContext}\`, or set kubeContext in deploy/env/${s.env}.json.`,
    );
  }
}

export function currentContext(): string {
  try {
    return capture({ cmd: 'kubectl', args: ['config', 'current-context'] });
  } catch {
    return '';
  }
}

/** The context is also passed explicitly so a context switch during the run cannot redirect it. */
export function kubectlCommand(action: KubectlAction, s: Settings, dir: string): Command {
  const args = ['--context', s.kubeContext];
  if (action === 'apply') args.push('apply', '--server-side', '--field-manager=bigapp', '-k', dir);
  else if (action === 'diff') args.push('diff', '--server-side', '--field-manager=bigapp', '-k', dir);
  else args.push('delete', '--ignore-not-found', '-k', dir);
  return { cmd: 'kubectl', args };
}
