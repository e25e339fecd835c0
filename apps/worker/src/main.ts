import { runUntilSignal } from '@hookfleet/http';
import { parseWorkerConfig } from './config.js';
import { startWorker } from './worker.js';

await runUntilSignal('worker', () => startWorker(parseWorkerConfig(process.env)));
