// The side-effect ledger: every call to the outside world is recorded in Postgres under a unique key
// before it is made. A job re-run (BullMQ retry, stalled lock, SIGKILLed worker) finds the record:
// - succeeded: the call is not made again; its recorded result is reused;
// - failed: the call was answered with a failure, so it is made again;
// - started: an earlier run died during the call, outcome unknown. Downstreams that take our key as an
//   Idempotency-Key (AgentAPI, Codegen, MAS) are called again under the same key and drop the repeat, and
//   a call told it is a repeat may look for its own earlier effect first (a GitHub check run, by its id);
//   those that cannot (a Slack message, a Linear comment) are not called again: at most once.
import { isAxiosError } from 'axios';
import { Prisma, type PrismaClient } from '@hookfleet/db';
import type { Metrics } from '@hookfleet/observability';

export interface SideEffectSpec {
  /** Unique per intended call, e.g. "task:<task id>:<job id>:agentapi". */
  key: string;
  kind: string;
  eventId: string | null;
  taskId?: string | null;
  /** Whether the downstream drops a repeated key; if not, an unfinished earlier call is not repeated. */
  downstreamDedupes: boolean;
}

export type SideEffectOutcome<T> =
  | { performed: true; result: T }
  | { performed: false; result: Prisma.JsonValue | null; reason: 'already_succeeded' | 'outcome_unknown' };

/** What the call is told: `repeated` when an earlier run claimed the key and did not succeed (it may have acted). */
export interface SideEffectCall {
  repeated: boolean;
}

export interface SideEffectLedger {
  once<T>(spec: SideEffectSpec, call: (context: SideEffectCall) => Promise<T>): Promise<SideEffectOutcome<T>>;
}

export function createSideEffectLedger(deps: { prisma: PrismaClient; metrics: Metrics }): SideEffectLedger {
  const { prisma, metrics } = deps;

  /** Claims the key for this run: how to go ahead, or the earlier record that says not to. */
  async function claim(spec: SideEffectSpec) {
    // One INSERT ... ON CONFLICT DO NOTHING: count 0 means the key is claimed already.
    const { count } = await prisma.sideEffect.createMany({
      data: { key: spec.key, kind: spec.kind, eventId: spec.eventId, taskId: spec.taskId ?? null },
      skipDuplicates: true,
    });
    if (count === 1) return { go: { repeated: false } };
    const existing = await prisma.sideEffect.findUniqueOrThrow({ where: { key: spec.key } });
    if (existing.status === 'succeeded') {
      return { skip: { reason: 'already_succeeded' as const, result: existing.result } };
    }
    if (existing.status === 'started' && !spec.downstreamDedupes) {
      return { skip: { reason: 'outcome_unknown' as const, result: null } };
    }
    await prisma.sideEffect.update({
      where: { key: spec.key },
      data: { status: 'started', attempts: { increment: 1 }, error: null },
    });
    return { go: { repeated: true } };
  }

  return {
    async once(spec, call) {
      const claimed = await claim(spec);
      if (claimed.skip) {
        metrics.sideEffects.inc({ kind: spec.kind, outcome: 'skipped' });
        return { performed: false, ...claimed.skip };
      }
      try {
        const result = await call(claimed.go);
        await prisma.sideEffect.updateMany({
          where: { key: spec.key },
          data: {
            status: 'succeeded',
            completedAt: new Date(),
            result: result === undefined || result === null ? Prisma.JsonNull : (result as Prisma.InputJsonValue),
          },
        });
        metrics.sideEffects.inc({ kind: spec.kind, outcome: 'performed' });
        return { performed: true, result };
      } catch (error) {
        // No answer (a timeout, a dropped connection): the request may have been delivered. For a
        // downstream that cannot drop a repeat, the record stays `started` (outcome unknown), so no run
        // sends it again.
        const unanswered = isAxiosError(error) && error.response === undefined;
        if (unanswered && !spec.downstreamDedupes) {
          metrics.sideEffects.inc({ kind: spec.kind, outcome: 'failed' });
          throw error;
        }
        // Only a call still in flight can fail: a run that lost its lock must not mark failed what its
        // successor has since completed.
        await prisma.sideEffect.updateMany({
          where: { key: spec.key, status: 'started' },
          data: { status: 'failed', error: error instanceof Error ? error.message : String(error) },
        });
        metrics.sideEffects.inc({ kind: spec.kind, outcome: 'failed' });
        throw error;
      }
    },
  };
}
