// F: growth. The ingress (LOG_LEVEL=warn) and the admin event list over HTTP, with 10k and with
// --growth-rows events already stored. The rows are inserted with SQL (small payloads, a spread of
// repositories, senders, event types and statuses), not through the ingress.
import { randomBytes } from 'node:crypto';
import { AppProcess, freePort } from '../../chaos/fleet.js';
import { LABEL_WIDTH, progress, type BenchContext } from '../context.js';
import { hookfleetEnv, ingressEnv } from '../hookfleet-env.js';
import { throwIfInterrupted } from '../interruption.js';
import { latencyOf } from '../latency.js';
import type { Latency, Measurement } from '../measurement.js';
import { openWindow, type ProcessFigures } from '../process-stats.js';
import { measureIngress } from './ingress.js';

export const SMALL_TABLE_ROWS = 10_000;
const SEED_CHUNK_ROWS = 100_000;
/** Not timed: the first calls of a fresh admin process (and a cold cache) would dominate the tail. */
const ADMIN_WARMUP_CALLS = 3;
/** The stored events span this much time, newest now. */
const SEED_SPAN_MS = 6 * 24 * 3600 * 1000;

/** The admin list calls that are timed: GET /api/v1/events with these query strings. */
export const ADMIN_FILTERS = [
  { name: 'first page', query: '' },
  { name: 'repository', query: 'repository=org-3/repo-123' },
  { name: 'status + event_type', query: 'status=dead&event_type=pull_request' },
  { name: 'sender', query: 'sender=user-42' },
  { name: 'payload.pull_request.number', query: 'payload.pull_request.number=42' },
  { name: 'payload.installation.id', query: 'payload.installation.id=1007' },
] as const;

export interface AdminListFigures {
  filter: string;
  /** Matching events, as the list reports them; `totalIsFloor`: the list counted only this far (more match). */
  total: number;
  totalIsFloor: boolean;
  calls: number;
  latencyMs: Latency;
}

export interface GrowthStep {
  rows: number;
  ingress: Measurement;
  admin: AdminListFigures[];
  adminProcess: ProcessFigures;
}

/**
 * Rows `from` to `to` - 1 of the synthetic history: row i's event type, repository, sender, status, pull
 * request and installation come from hashes of i (so they do not move in lockstep), and its time grows with
 * i. The hook id differs from the load's, so the delivery check and the worker fleet never count these.
 */
async function seedEvents(context: BenchContext, from: number, to: number, total: number): Promise<void> {
  const startMs = Date.now() - SEED_SPAN_MS;
  const stepMs = SEED_SPAN_MS / total;
  for (let first = from; first < to; first += SEED_CHUNK_ROWS) {
    throwIfInterrupted();
    const last = Math.min(to, first + SEED_CHUNK_ROWS) - 1;
    await context.environment.sql.query(
      `INSERT INTO webhook_events (id, provider, hook_id, delivery_id, event_type, action, repository, sender,
                                   headers, payload, body_sha256, status, queue, workflow_key, attempts,
                                   received_at, queued_at, processing_started_at, processed_at, updated_at)
       SELECT gen_random_uuid(), 'github', '1000', 'seed-' || i, kind.event_type, kind.action, repo, sender,
              jsonb_build_object('content-type', 'application/json', 'x-github-event', kind.event_type),
              jsonb_build_object('action', kind.action, 'repository', jsonb_build_object('full_name', repo),
                                 'sender', jsonb_build_object('login', sender),
                                 'installation', jsonb_build_object('id', 1000 + h.installation_hash % 50))
                || CASE WHEN kind.event_type LIKE 'pull_request%'
                        THEN jsonb_build_object('number', pr, 'pull_request', jsonb_build_object(
                               'number', pr, 'title', 'Change ' || i, 'head', jsonb_build_object('sha', md5(i::text))))
                        ELSE jsonb_build_object('after', md5(i::text)) END,
              md5('body' || i), status::"EventStatus", kind.queue,
              CASE WHEN kind.event_type LIKE 'pull_request%' THEN 'github:' || repo || '#' || pr END,
              CASE WHEN status = 'processed' THEN 1 ELSE 3 END,
              at, at, at, CASE WHEN status = 'processed' THEN at + interval '2 seconds' END, at
         FROM generate_series($1::int, $2::int) AS i
        CROSS JOIN LATERAL (SELECT abs(hashint4extended(i, 1)) AS kind_hash, abs(hashint4extended(i, 2)) AS repo_hash,
                                   abs(hashint4extended(i, 3)) AS sender_hash, abs(hashint4extended(i, 4)) AS status_hash,
                                   abs(hashint4extended(i, 5)) AS pr_hash, abs(hashint4extended(i, 6)) AS installation_hash) h
        CROSS JOIN LATERAL (SELECT
               to_timestamp(($3::float8 + i * $4::float8) / 1000) AS at,
               'org-' || h.repo_hash % 10 || '/repo-' || h.repo_hash % 200 AS repo,
               'user-' || h.sender_hash % 1000 AS sender,
               1 + h.pr_hash % 500 AS pr,
               CASE WHEN h.status_hash % 100 < 95 THEN 'processed' WHEN h.status_hash % 100 < 97 THEN 'dead'
                    WHEN h.status_hash % 100 < 98 THEN 'failed' WHEN h.status_hash % 100 < 99 THEN 'discarded'
                    ELSE 'queued' END AS status) v
        CROSS JOIN LATERAL (SELECT * FROM (VALUES
               (0, 'pull_request', 'opened', 'validation'), (1, 'pull_request', 'synchronize', 'workflow'),
               (2, 'pull_request', 'closed', 'workflow'), (3, 'push', NULL, 'deployment'),
               (4, 'check_run', 'completed', 'recovery'), (5, 'issue_comment', 'created', 'workflow'),
               (6, 'pull_request_review', 'submitted', 'workflow'), (7, 'workflow_run', 'completed', 'default'))
               AS kinds(n, event_type, action, queue)
                -- 8 kinds over 20 slots: opened, synchronize, push and check_run are the common ones
               WHERE n = (ARRAY[0,0,0,1,1,1,1,2,3,3,3,3,4,4,4,5,5,6,7,7])[1 + h.kind_hash % 20]) kind`,
      [first, last, startMs, stepMs],
    );
    progress(`${(last + 1).toLocaleString('en-US')} `);
  }
}

async function timeAdminList(
  url: string,
  token: string,
  query: string,
  calls: number,
): Promise<Omit<AdminListFigures, 'filter'>> {
  const call = async () => {
    const started = performance.now();
    const res = await fetch(`${url}/api/v1/events${query ? `?${query}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    // total_capped: versions that stop counting at a cap say so (older ones count every match).
    const body = (await res.json()) as { pagination?: { total?: number; total_capped?: boolean } };
    if (!res.ok) throw new Error(`GET /api/v1/events?${query} answered ${res.status}: ${JSON.stringify(body)}`);
    return {
      ms: performance.now() - started,
      total: body.pagination?.total ?? NaN,
      totalIsFloor: body.pagination?.total_capped === true,
    };
  };
  for (let i = 0; i < ADMIN_WARMUP_CALLS; i++) await call();
  const timings: number[] = [];
  let last = { total: NaN, totalIsFloor: false };
  for (let i = 0; i < calls; i++) {
    throwIfInterrupted();
    const timing = await call();
    timings.push(timing.ms);
    last = timing;
  }
  return { total: last.total, totalIsFloor: last.totalIsFloor, calls, latencyMs: latencyOf(timings)! };
}

async function measureAdminList(
  context: BenchContext,
): Promise<{ admin: AdminListFigures[]; adminProcess: ProcessFigures }> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const admin = new AppProcess('admin', 'apps/admin/src/main.ts', port, {
    ...hookfleetEnv(context, context.environment.queuePrefix('F')),
    ADMIN_PORT: String(port),
    ADMIN_HOST: '127.0.0.1',
    ADMIN_API_TOKEN: token,
    ADMIN_COOKIE_SECURE: 'false',
    // The list's latency is measured, not the rate limit (which would refuse the timed calls).
    ADMIN_RATE_LIMIT_PER_MINUTE: '0',
    // The reconciler and the re-drive scan would otherwise act on the seeded unfinished events while the
    // list is timed.
    RECONCILE_INTERVAL_MS: String(24 * 3600_000),
    RECONCILE_STALE_AFTER_MS: String(24 * 3600_000),
    DEAD_LETTER_REDRIVE_SCAN_MS: String(24 * 3600_000),
  });
  await admin.start();
  try {
    const window = openWindow([{ name: 'admin', pid: admin.pid! }]);
    const figures: AdminListFigures[] = [];
    for (const filter of ADMIN_FILTERS) {
      const timed = await timeAdminList(admin.url, token, filter.query, context.options.adminCalls);
      figures.push({ filter: filter.name, ...timed });
    }
    return { admin: figures, adminProcess: window.close().processes[0]! };
  } finally {
    await admin.stop();
  }
}

/**
 * Table sizes to measure at: 10k and --growth-rows (just the one when that is not above 10k). The default is
 * 1M, or 50k on the embedded PGlite, which holds the table in this process's memory.
 */
export function growthSizes(context: Pick<BenchContext, 'options' | 'environment'>): number[] {
  const rows = context.options.growthRows ?? (context.environment.embedded.postgres ? 50_000 : 1_000_000);
  return rows > SMALL_TABLE_ROWS ? [SMALL_TABLE_ROWS, rows] : [rows];
}

export const sizeLabel = (rows: number) =>
  rows >= 1_000_000 && rows % 1_000_000 === 0
    ? `${rows / 1_000_000}M`
    : rows >= 1000 && rows % 1000 === 0
      ? `${rows / 1000}k`
      : String(rows);

export async function measureGrowth(context: BenchContext): Promise<GrowthStep[]> {
  const { environment } = context;
  const sizes = growthSizes(context);
  const largest = sizes[sizes.length - 1]!;
  await environment.resetDatabase();
  const steps: GrowthStep[] = [];
  let seeded = 0;
  for (const rows of sizes) {
    const size = sizeLabel(rows);
    progress(`  ${`F @${size}`.padEnd(10)} ${'storing events with SQL'.padEnd(LABEL_WIDTH)} `);
    const started = performance.now();
    await seedEvents(context, seeded, rows, largest);
    seeded = rows;
    // As autovacuum would by now: fresh statistics and a visibility map, not a table the planner guesses at.
    await environment.sql.query('VACUUM (ANALYZE) webhook_events');
    console.log(`... ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const { measurement } = await measureIngress(context, {
      key: `F C@${size}`,
      label: `Hookfleet ingress, LOG_LEVEL=warn, ${size} stored`,
      server: 'hookfleet',
      env: ingressEnv(context, environment.queuePrefix(`F-${size}`), 'warn'),
      freshDatabase: false,
      jobs: null,
    });
    progress(
      `  ${`F @${size}`.padEnd(10)} ${'admin event list'.padEnd(LABEL_WIDTH)} ${ADMIN_FILTERS.length} filters ... `,
    );
    const { admin, adminProcess } = await measureAdminList(context);
    console.log(admin.map((figure) => `${figure.filter} p99 ${figure.latencyMs.p99.toFixed(0)} ms`).join(', '));
    steps.push({ rows, ingress: measurement, admin, adminProcess });
  }
  return steps;
}
