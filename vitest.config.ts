import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import the workspaces' TypeScript sources directly; processes that
// tests spawn (bigapp up, workers) run the compiled dist, so `npm test`
// builds first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@bigapp\/contracts$/, replacement: src('./packages/contracts/src/index.ts') },
      { find: /^@bigapp\/kit$/, replacement: src('./packages/kit/src/index.ts') },
      { find: /^@bigapp\/kit\/(db|storage|ledger|auth)$/, replacement: src('./packages/kit/src/$1/index.ts') },
      { find: /^@bigapp\/kit\/(.*)$/, replacement: src('./packages/kit/src/$1.ts') },
      { find: /^@bigapp\/deploy$/, replacement: src("./packages/deploy/src/index.ts") },
      { find: /^@bigapp\/services$/, replacement: src('./services/registry.ts') },
      { find: /^@bigapp\/services\/(.*)$/, replacement: src('./services/$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'services/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
