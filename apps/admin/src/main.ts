import { parseConfig } from '@hookfleet/config';
import { runUntilSignal } from '@hookfleet/http';
import { adminConfigSchema } from './config.js';
import { startAdmin } from './admin.js';

await runUntilSignal('admin', () => startAdmin(parseConfig(adminConfigSchema, process.env)));
