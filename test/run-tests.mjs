#!/usr/bin/env node
// Runs the whole suite with vitest and ends with one plain summary line
// ("tests: N passed, N failed, N skipped") that any CI can read.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

mkdirSync('test-artifacts', { recursive: true });
const out = 'test-artifacts/vitest-report.json';
const r = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let code = r.status ?? 1;
if (existsSync(out)) {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // A file that failed to load counts as a failure even when no test in it ran.
  const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  console.log(`\ntests: ${j.numPassedTests} passed, ${j.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
  if (j.numFailedTests + brokenFiles > 0 && code === 0) code = 1;
} else {
  console.log('\ntests: 0 passed, 1 failed (no report was written)');
  code = code || 1;
}
process.exit(code);
