export * from './statuses.js';
export * from './dispatch.js';
export * from './requeue.js';
export * from './ordering.js';
export * from './run-ownership.js';
export * from './reconcile.js';
export * from './unfinished-age.js';
export * from './operational-gauges.js';
