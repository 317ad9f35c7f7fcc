export * from './errors.js';
export * from './config.js';
export * from './log.js';
export * from './metrics.js';
export * from './ops-server.js';
export * from './service.js';
export * from './host.js';
export * from './bus/index.js';
