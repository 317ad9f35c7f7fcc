import path from 'node:path';
import type { Command } from 'commander';
import type { KubectlAction } from '@bigapp/deploy';
// Loaded when a k8s command runs, not at every start of the CLI: a worker pod's start time matters.
const deploy = () => import('@bigapp/deploy');
import { fail } from '../fail.js';

const rel = (p: string) => path.relative(process.cwd(), p) || '.';

async function kubectl(action: KubectlAction, opts: { env: string; allowStale?: boolean; yes?: boolean; dryRun?: boolean }): Promise<void> {
  const { loadSettings, defaultOutDir, staleFiles, DeployError, RENDER_COMMAND, checkContext, currentContext, kubectlCommand, format, run } = await deploy();
  const settings = loadSettings(opts.env);
  const dir = defaultOutDir(opts.env);
  // What is applied is the committed directory; refusing when it lags the code keeps the cluster, the repo and the registry in step.
  if (action !== 'delete' && !opts.allowStale) {
    const stale = await staleFiles({ env: opts.env, outDir: dir });
    if (stale.length > 0) {
      throw new DeployError('deploy_manifests_stale', `${rel(dir)} differs from a fresh render (${stale.join(', ')}): run \`${RENDER_COMMAND(opts.env)}\` and commit, or pass --allow-stale`);
    }
  }
  checkContext(settings, currentContext());
  if (action === 'delete' && !opts.yes) {
    throw new DeployError('deploy_command_failed', `this deletes the namespace ${settings.namespace} in context ${settings.kubeContext} and everything in it, volumes and secrets included; repeat with --yes`);
  }
  const cmd = kubectlCommand(action, settings, dir);
  process.stderr.write(`+ ${format(cmd)}\n`);
  if (opts.dryRun) return;
  const code = await run(cmd);
  // kubectl diff exits 1 when there are differences: a result, not a failure, but scripts still want it.
  process.exitCode = code;
}

export function register(program: Command): void {
  const k8s = program.command('k8s').description('Kubernetes manifests rendered from the service registry (deploy/k8s/<env>/)');

  k8s
    .command('render')
    .description('render, validate and write the manifests of an environment (nothing is written if anything is invalid)')
    .requiredOption('--env <env>', 'environment: local or prod')
    .option('--out <dir>', 'output directory (default deploy/k8s/<env>)')
    .action(async (opts: { env: string; out?: string }) => {
      try {
        const { activeVarOverrides, writeEnvironment } = await deploy();
        const overrides = activeVarOverrides();
        const r = await writeEnvironment({ env: opts.env, ...(opts.out ? { outDir: path.resolve(opts.out) } : {}) });
        if (overrides.length > 0 && !opts.out) {
          process.stderr.write(`note: ${overrides.join(', ')} override deploy/env/${opts.env}.json; the drift test renders from the file alone\n`);
        }
        process.stdout.write(`rendered ${r.manifests.length} objects for "${opts.env}" into ${rel(r.outDir)}/\n`);
        for (const f of r.written) process.stdout.write(`  ${rel(f)}\n`);
      } catch (err) {
        fail(err);
      }
    });

  k8s
    .command('check')
    .description('exit 1 when deploy/k8s/<env>/ differs from a fresh render (for CI)')
    .requiredOption('--env <env>', 'environment: local or prod')
    .action(async (opts: { env: string }) => {
      try {
        const { staleFiles, RENDER_COMMAND } = await deploy();
        const stale = await staleFiles({ env: opts.env });
        if (stale.length === 0) {
          process.stdout.write(`deploy/k8s/${opts.env}/ is current\n`);
          return;
        }
        process.stderr.write(`deploy/k8s/${opts.env}/ is stale (${stale.join(', ')}): run \`${RENDER_COMMAND(opts.env)}\`\n`);
        process.exitCode = 1;
      } catch (err) {
        fail(err);
      }
    });

  k8s
    .command('secrets')
    .description('print the `kubectl create secret` commands the environment needs (values are yours to fill in)')
    .requiredOption('--env <env>', 'environment: local or prod')
    .action(async (opts: { env: string }) => {
      try {
        const { loadSettings, defaultOutDir, requiredSecrets } = await deploy();
        const s = loadSettings(opts.env);
        process.stdout.write(`# the namespace must exist first\nkubectl --context ${s.kubeContext} apply --server-side --field-manager=bigapp -f ${rel(defaultOutDir(opts.env))}/namespace.yaml\n`);
        for (const sec of requiredSecrets(s)) {
          const keys = sec.keys.map((k) => `--from-literal=${k}='…'`).join(' ');
          process.stdout.write(`# ${sec.purpose}\nkubectl --context ${s.kubeContext} -n ${s.namespace} create secret generic ${sec.name} ${keys}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  const verbs: Array<[KubectlAction, string]> = [
    ['apply', 'kubectl apply -k deploy/k8s/<env> (server-side), after checking the context and that the manifests are current'],
    ['diff', 'kubectl diff -k deploy/k8s/<env>: what apply would change (exit 1 when something would)'],
    ['delete', 'kubectl delete -k deploy/k8s/<env> (needs --yes)'],
  ];
  for (const [action, description] of verbs) {
    const c = k8s
      .command(action)
      .description(description)
      .requiredOption('--env <env>', 'environment: local or prod')
      .option('--dry-run', 'print the kubectl command instead of running it');
    if (action !== 'delete') c.option('--allow-stale', 'act even if deploy/k8s/<env>/ lags a fresh render');
    if (action === 'delete') c.option('--yes', 'confirm the deletion');
    c.action(async (opts: { env: string; allowStale?: boolean; yes?: boolean; dryRun?: boolean }) => {
      try {
        await kubectl(action, opts);
      } catch (err) {
        fail(err);
      }
    });
  }
}
