import type { Migration } from '../migrate.js';
import { init } from './0001_init.js';
import { workspaces } from './0002_workspaces.js';
import { jobAttempts } from './0003_job_attempts.js';

/**
 * Every migration, in the order they apply. An explicit list rather than a
 * folder scan: it works the same from dist/ and from vitest's TS sources, and
 * a bundler cannot drop a file it does not see imported. Append only: never
 * reorder, rename or edit one that has shipped.
 */
export const migrations: readonly Migration[] = [init, workspaces, jobAttempts];
