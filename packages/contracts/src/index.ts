export * from './envelope.js';
export * from './errors.js';
export * from './jobs.js';
export * from './events.js';
export * from './api.js';
export * from './ops.js';
