export * from './catalog.js';
export * from './routing.js';
export * from './connections.js';
export * from './queues.js';
export * from './dispatch.js';
export * from './clients.js';
export * from './retry.js';
