import { parseConfig } from '@hookfleet/config';
import { runUntilSignal } from '@hookfleet/http';
import { ingressConfigSchema } from './config.js';
import { startIngress } from './ingress.js';

await runUntilSignal('ingress', () => startIngress(parseConfig(ingressConfigSchema, process.env)));
