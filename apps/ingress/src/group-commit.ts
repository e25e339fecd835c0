// Group commit: deliveries that arrive within a couple of milliseconds of each other are stored by one
// multi-row INSERT and queued by one addBulk per queue. Postgres spends most of a single-row transaction on
// per-statement and per-commit work, so sixteen rows in one statement cost a fraction of sixteen statements.
// Each caller still gets its own answer, and only after its own row is committed; a row whose dedupe key
// already exists is reported as such, and the caller decides between duplicate and conflict.
import { fromPoolError, isDatabaseUnavailable, type DatabaseClients, type PrismaClient } from '@hookfleet/db';
import { SpanKind, failSpan, outsideTraces, tracerOf, tracingEnabled, type Span } from '@hookfleet/observability';
import { enqueueEvents, type EnqueueEvent, type EventQueues } from '@hookfleet/queue';

/** One webhook_events row as the ingress stores it; JSON columns already serialized. */
export interface EventRow {
  id: string;
  provider: string;
  sourceId: string | null;
  matchedSecretId: string | null;
  hookId: string;
  deliveryId: string;
  eventType: string;
  action: string | null;
  repository: string | null;
  sender: string | null;
  headersJson: string;
  payloadJson: string;
  payloadSanitized: boolean;
  rawBody: Uint8Array;
  normalizedJson: string;
  validationJson: string;
  bodySha256: string;
  queue: string;
  workflowKey: string | null;
  /** The event's plan, serialized: the worker, the admin and the reconciler follow it. */
  planJson: string;
  /** The job the row is stored as queued under: the row says `queued` from its first commit. */
  jobId: string;
  /** The delivery's trace; null while tracing is off. */
  traceId: string | null;
}

export type WriteOutcome =
  /** Stored; `queued` false: Redis did not take the job, the row was set back to `received`. */
  | { kind: 'stored'; queued: boolean; enqueueError?: unknown }
  /** The dedupe key (provider, hook id, delivery id) is already stored: nothing written. */
  | { kind: 'exists' };

export interface GroupCommitOptions {
  /** How long the first delivery of a group waits for others; 0: only those that arrived in the same tick. */
  maxWaitMs: number;
  /** A group this size is written at once. Larger groups put requests in lockstep behind one long INSERT. */
  maxRows: number;
}

export interface EventWriter {
  write(row: EventRow, job: EnqueueEvent): Promise<WriteOutcome>;
}

interface Pending {
  row: EventRow;
  job: EnqueueEvent;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

// Column order of one VALUES tuple; status and queued_at are literals (see insertSql).
const COLUMNS = [
  ['id', 'uuid'],
  ['provider', 'text'],
  ['source_id', 'uuid'],
  ['matched_secret_id', 'uuid'],
  ['hook_id', 'text'],
  ['delivery_id', 'text'],
  ['event_type', 'text'],
  ['action', 'text'],
  ['repository', 'text'],
  ['sender', 'text'],
  ['headers', 'jsonb'],
  ['payload', 'jsonb'],
  ['payload_sanitized', 'boolean'],
  ['raw_body', 'bytea'],
  ['normalized', 'jsonb'],
  ['validation', 'jsonb'],
  ['body_sha256', 'text'],
  ['queue', 'text'],
  ['workflow_key', 'text'],
  ['plan', 'jsonb'],
  ['job_id', 'text'],
  ['trace_id', 'text'],
] as const;

function valuesOf(row: EventRow): unknown[] {
  return [
    row.id,
    row.provider,
    row.sourceId,
    row.matchedSecretId,
    row.hookId,
    row.deliveryId,
    row.eventType,
    row.action,
    row.repository,
    row.sender,
    row.headersJson,
    row.payloadJson,
    row.payloadSanitized,
    row.rawBody,
    row.normalizedJson,
    row.validationJson,
    row.bodySha256,
    row.queue,
    row.workflowKey,
    row.planJson,
    row.jobId,
    row.traceId,
  ];
}

const insertSqlCache = new Map<number, string>();

/**
 * Rows in arrival order (the sequence column numbers them in VALUES order). A key stored already, or twice
 * in one group, is skipped by ON CONFLICT DO NOTHING and missing from RETURNING.
 */
function insertSql(rowCount: number): string {
  let sql = insertSqlCache.get(rowCount);
  if (sql) return sql;
  const tuples: string[] = [];
  for (let row = 0; row < rowCount; row += 1) {
    const base = row * COLUMNS.length;
    const params = COLUMNS.map(([, type], column) => `$${base + column + 1}::${type}`);
    tuples.push(`(${params.join(', ')}, 'queued', now())`);
  }
  sql =
    `INSERT INTO webhook_events (${COLUMNS.map(([name]) => `"${name}"`).join(', ')}, "status", "queued_at") ` +
    `VALUES ${tuples.join(', ')} ON CONFLICT ("provider", "hook_id", "delivery_id") DO NOTHING RETURNING "id"`;
  insertSqlCache.set(rowCount, sql);
  return sql;
}

export function createEventWriter(
  /** The INSERT goes to the pool under Prisma, not through it (see DatabaseClients.pool). */
  deps: {
    prisma: PrismaClient;
    pool: DatabaseClients['pool'];
    queues: EventQueues;
    /** Told when rows Redis did not take could not be set back to `received` either. */
    onUnmarked(error: unknown, rows: number): void;
  },
  options: GroupCommitOptions,
): EventWriter {
  let gathering: Pending[] = [];
  /** Cancels the scheduled flush of the group being gathered; undefined while none is scheduled. */
  let cancelFlush: (() => void) | undefined;

  async function insert(group: Pending[]): Promise<Set<string>> {
    const params = group.flatMap((pending) => valuesOf(pending.row));
    const spans = startInsertSpans(group);
    try {
      const result = await deps.pool.query<{ id: string }>(insertSql(group.length), params);
      return new Set(result.rows.map((row) => row.id));
    } catch (error) {
      for (const span of spans) failSpan(span, error);
      throw fromPoolError(error);
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** The group's INSERT; if Postgres refuses it for one row's sake, each row alone, so only that one fails. */
  async function store(group: Pending[]): Promise<Array<{ pending: Pending; inserted: boolean }>> {
    try {
      const inserted = await insert(group);
      return group.map((pending) => ({ pending, inserted: inserted.has(pending.row.id) }));
    } catch (error) {
      if (group.length === 1 || isDatabaseUnavailable(error)) throw error;
    }
    // One at a time, in arrival order: the sequence (per-PR order) and which of two copies is stored stay
    // as the group would have had them, and this rare path holds one connection, not sixteen.
    const stored: Array<{ pending: Pending; inserted: boolean }> = [];
    for (const pending of group) {
      try {
        stored.push({ pending, inserted: (await insert([pending])).has(pending.row.id) });
      } catch (error) {
        pending.reject(error);
      }
    }
    return stored;
  }

  async function commit(group: Pending[]): Promise<void> {
    let stored: Array<{ pending: Pending; inserted: boolean }>;
    try {
      stored = await store(group);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    for (const { pending, inserted } of stored) if (!inserted) pending.resolve({ kind: 'exists' });
    const inserted = stored.filter((entry) => entry.inserted).map((entry) => entry.pending);
    if (inserted.length === 0) return;
    // Per queue: Redis refusing one queue's jobs defers only that queue's deliveries.
    const byQueue = new Map<string, Pending[]>();
    for (const pending of inserted)
      byQueue.set(pending.job.queue, [...(byQueue.get(pending.job.queue) ?? []), pending]);
    await Promise.all(
      [...byQueue.values()].map(async (pendings) => {
        try {
          await enqueueEvents(
            deps.queues,
            pendings.map((pending) => pending.job),
          );
          for (const pending of pendings) pending.resolve({ kind: 'stored', queued: true });
        } catch (enqueueError) {
          await markNeverQueued(pendings);
          for (const pending of pendings) pending.resolve({ kind: 'stored', queued: false, enqueueError });
        }
      }),
    );
  }

  /**
   * The rows are committed, so the deliveries are ours whatever Redis said: `received` says they were never
   * queued (a redelivery or the reconciler queues them). If even this write fails they stay `queued` with no
   * job, which the reconciler and a redelivery also find (both check the job itself).
   */
  async function markNeverQueued(pendings: Pending[]): Promise<void> {
    try {
      await deps.prisma.webhookEvent.updateMany({
        where: { id: { in: pendings.map((pending) => pending.row.id) }, status: 'queued' },
        data: { status: 'received', queuedAt: null },
      });
    } catch (error) {
      deps.onUnmarked(error, pendings.length);
    }
  }

  function flush(): void {
    cancelFlush?.();
    cancelFlush = undefined;
    const group = gathering;
    gathering = [];
    // The timer was set in the first delivery's request; the group's work belongs to no single trace.
    void outsideTraces(() => commit(group));
  }

  return {
    write(row, job) {
      return new Promise<WriteOutcome>((resolve, reject) => {
        gathering.push({ row, job, resolve, reject });
        if (gathering.length >= options.maxRows) {
          flush();
        } else if (!cancelFlush) {
          if (options.maxWaitMs > 0) {
            const timer = setTimeout(flush, options.maxWaitMs);
            cancelFlush = () => clearTimeout(timer);
          } else {
            const immediate = setImmediate(flush);
            cancelFlush = () => clearImmediate(immediate);
          }
        }
      });
    },
  };
}

/**
 * One span per delivery for the INSERT it shared: each trace shows the statement its row went in with, and
 * how many rows that was. Nothing while tracing is off.
 */
function startInsertSpans(group: Pending[]): Span[] {
  if (!tracingEnabled()) return [];
  const tracer = tracerOf('@hookfleet/ingress');
  return group.map((pending) =>
    tracer.startSpan(
      'INSERT webhook_events',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'INSERT',
          'db.collection.name': 'webhook_events',
          'db.operation.batch.size': group.length,
        },
      },
      pending.job.traceContext,
    ),
  );
}
