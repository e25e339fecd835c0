// What the benchmark (scripts/bench.ts) and its child processes (./server.ts, ./noop-worker.ts) share.

/** The HTTP servers ./server.ts can run, one per process; `otlp-sink` takes a traced target's spans. */
export const SERVER_TARGETS = [
  'node-http',
  'express',
  'naive-pipeline',
  'lean-ingest',
  'hookfleet',
  'otlp-sink',
] as const;
export type ServerTarget = (typeof SERVER_TARGETS)[number];

/** Parent -> child: report progress (the drained jobs so far); stop gracefully and exit. */
export type ParentMessage = { type: 'progress' } | { type: 'stop' };
/** Child -> parent: ready (a server: listening on loopback at url); progress so far. */
export type ChildMessage =
  { type: 'ready'; url: string | null } | { type: 'progress'; completed: number; lastCompletedAt: number };

/** The servers written here read the webhook secret from this; Hookfleet reads its own GITHUB_WEBHOOK_SECRET. */
export const BENCH_SECRET_ENV = 'BENCH_WEBHOOK_SECRET';

export const WEBHOOK_PATH = '/webhooks/github';

/** Where the reference pipelines and the drained queue put their jobs: Hookfleet's queue for a PR opened. */
export const PULL_REQUEST_QUEUE = 'validation';
