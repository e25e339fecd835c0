export { startWorker, type RunningWorker } from './worker.js';
export { workerConfigSchema, type WorkerConfig } from './config.js';
