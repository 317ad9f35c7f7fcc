import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The UI imports the same zod schemas and types as the server, straight from
// the contracts' TypeScript source (no separate build step for the browser).
const contracts = fileURLToPath(new URL('../packages/contracts/src/index.ts', import.meta.url));

// `npm run dev -w @bigapp/ui` proxies /api to a running web service
// (BIGAPP_API_URL, default http://localhost:8080).
const api = process.env.BIGAPP_API_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: [{ find: /^@bigapp\/contracts$/, replacement: contracts }] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
});
