#!/usr/bin/env node
import { Command } from 'commander';
import { register as cmd } from './commands/cmd.js';
import { register as dead } from './commands/dead.js';
import { register as enqueue } from './commands/enqueue.js';
import { register as images } from './commands/images.js';
import { register as k8s } from './commands/k8s.js';
import { register as queues } from './commands/queues.js';
import { register as start } from './commands/start.js';
import { register as trace } from './commands/trace.js';
import { register as up } from './commands/up.js';
import { version } from './version.js';

const program = new Command('bigapp')
  .description('bigapp: run, scale, inspect and deploy the services')
  .version(version())
  .showHelpAfterError();

for (const r of [start, up, queues, enqueue, dead, cmd, trace, k8s, images]) r(program);

await program.parseAsync(process.argv);
