export * from './dispatch.js';
export * from './reconcile.js';
export * from './operational-gauges.js';
