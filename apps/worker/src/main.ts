import { parseConfig } from '@hookfleet/config';
import { runUntilSignal } from '@hookfleet/http';
import { workerConfigSchema } from './config.js';
import { startWorker } from './worker.js';

await runUntilSignal('worker', () => startWorker(parseConfig(workerConfigSchema, process.env)));
