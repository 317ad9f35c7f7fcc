export * from '../../packages/kit/src/db/index.js';
export { freePort as freePortForTest } from '../../packages/kit/src/db/embedded-process.js';
