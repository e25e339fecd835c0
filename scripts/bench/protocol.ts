// What scripts/bench-ingress.ts and its server process (scripts/bench/server.ts) share.

export const TARGETS = ['node-http', 'express', 'hookfleet'] as const;
export type Target = (typeof TARGETS)[number];

/** Parent -> server: report CPU time so far; stop gracefully and exit. */
export type ParentMessage = { type: 'cpu' } | { type: 'stop' };
/** Server -> parent: listening on loopback at url; CPU time so far. */
export type ChildMessage = { type: 'ready'; url: string } | { type: 'cpu'; usage: NodeJS.CpuUsage };

/** The baselines read the webhook secret from here; Hookfleet reads its own GITHUB_WEBHOOK_SECRET. */
export const BASELINE_SECRET_ENV = 'BENCH_WEBHOOK_SECRET';

export const WEBHOOK_PATH = '/webhooks/github';
