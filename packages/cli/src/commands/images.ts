import type { Command } from 'commander';
import type { Command as Cmd } from '@bigapp/deploy';

// Loaded when an images command runs, not at every start of the CLI.
const deploy = () => import('@bigapp/deploy');
import { fail } from '../fail.js';

async function runAll(cmds: Cmd[], dryRun?: boolean): Promise<void> {
  const { format, run, DeployError } = await deploy();
  for (const c of cmds) {
    process.stderr.write(`+ ${format(c)}\n`);
    if (dryRun) continue;
    const code = await run(c);
    if (code !== 0) throw new DeployError('deploy_command_failed', `${c.cmd} ${c.args[0] ?? ''} exited with ${code}`);
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  const images = program.command('images').description('the one container image all services run from (deploy/Dockerfile)');

  images
    .command('build')
    .description('docker build, tagged <registry>/<repository>:<version> from the environment settings')
    .requiredOption('--env <env>', 'environment whose registry and tag to use: local or prod')
    .option('--platform <platform>', 'target platform, e.g. linux/amd64')
    .option('--tag <tag>', 'an extra tag (repeatable), e.g. the git sha', collect, [] as string[])
    .option('--dry-run', 'print the command instead of running it')
    .action(async (opts: { env: string; platform?: string; tag: string[]; dryRun?: boolean }) => {
      try {
        const { loadSettings, buildCommand, imageRef } = await deploy();
        const s = loadSettings(opts.env);
        await runAll([buildCommand(s, { ...(opts.platform ? { platform: opts.platform } : {}), extraTags: opts.tag })], opts.dryRun);
        if (!s.image.registry) {
          process.stderr.write(`local image ${imageRef(s)}: load it into the cluster with \`bigapp images load --env ${opts.env} --kind bigapp\` or \`--minikube\`\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  images
    .command('push')
    .description('docker push the image (and extra tags) to the environment\'s registry')
    .requiredOption('--env <env>', 'environment: local or prod')
    .option('--tag <tag>', 'an extra tag to push (repeatable)', collect, [] as string[])
    .option('--dry-run', 'print the commands instead of running them')
    .action(async (opts: { env: string; tag: string[]; dryRun?: boolean }) => {
      try {
        const { loadSettings, pushCommands, DeployError } = await deploy();
        const s = loadSettings(opts.env);
        if (!s.image.registry) throw new DeployError('deploy_settings_invalid', `environment "${opts.env}" has no image.registry to push to; local clusters load images instead (bigapp images load)`);
        await runAll(pushCommands(s, { extraTags: opts.tag }), opts.dryRun);
      } catch (err) {
        fail(err);
      }
    });

  images
    .command('load')
    .description('load the locally built image into a kind or minikube cluster (no registry needed)')
    .requiredOption('--env <env>', 'environment (normally local)')
    .option('--kind <cluster>', 'kind cluster name')
    .option('--minikube', 'load into minikube')
    .option('--dry-run', 'print the command instead of running it')
    .action(async (opts: { env: string; kind?: string; minikube?: boolean; dryRun?: boolean }) => {
      try {
        const { loadSettings, imageRef, DeployError } = await deploy();
        const ref = imageRef(loadSettings(opts.env));
        if (!opts.kind && !opts.minikube) throw new DeployError('deploy_command_failed', 'say where to load: --kind <cluster> or --minikube (Docker Desktop shares the local image store and needs neither)');
        const cmd: Cmd = opts.kind ? { cmd: 'kind', args: ['load', 'docker-image', ref, '--name', opts.kind] } : { cmd: 'minikube', args: ['image', 'load', ref] };
        await runAll([cmd], opts.dryRun);
      } catch (err) {
        fail(err);
      }
    });
}
