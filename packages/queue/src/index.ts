export * from './catalog.js';
export * from './connections.js';
export * from './queues.js';
export * from './clients.js';
export * from './retry.js';
export * from './config.js';
export * from './operational-state.js';
