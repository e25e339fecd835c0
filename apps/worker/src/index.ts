export { startWorker, type RunningWorker } from './worker.js';
export { parseWorkerConfig, workerConfigSchema, type WorkerConfig } from './config.js';
