// Puts a stored event on its queue and records that it is there. A row `received` was never queued; a row
// `queued` names its job, which the reconciler and a redelivery check exists (the ingress stores its rows as
// queued and adds their jobs right after the commit).
import type { PrismaClient } from '@hookfleet/db';
import {
  planOptionsOf,
  planPriority,
  readStoredPlan,
  storedPlanOf,
  type EventPlan,
  type PlannableEvent,
  type PlanningConfig,
  type PlanOptions,
} from '@hookfleet/planning';
import { readSourceSetting } from '@hookfleet/sources';
import {
  enqueueEvent,
  mergeRetryOverrides,
  type EventQueues,
  type QueueConfig,
  type RetryOverrides,
  type TaskRetryPolicies,
} from '@hookfleet/queue';

export interface DispatchEvent {
  eventId: string;
  plan: Pick<EventPlan, 'queue' | 'tasks'>;
  generation?: number;
  retryNumber?: number;
  /** The event's source's overrides (its settings' `retry`), if any. */
  sourceRetry?: RetryOverrides;
}

/**
 * What queueing an event needs, in every app that does it (ingress, worker, admin, reconciler): each app's
 * own clients and config, passed as they are.
 */
export interface DispatchDeps {
  prisma: PrismaClient;
  queues: EventQueues;
  config: Pick<QueueConfig, 'TASK_RETRY_POLICIES'> & PlanningConfig;
}

/** The overrides for an event's job: its first task type's, then its source's. */
export function retryOverridesFor(
  plan: Pick<EventPlan, 'tasks'>,
  taskRetryPolicies: TaskRetryPolicies,
  sourceRetry: RetryOverrides | undefined,
): RetryOverrides | undefined {
  const first = plan.tasks[0];
  return mergeRetryOverrides(first ? taskRetryPolicies[first.type] : undefined, sourceRetry);
}

export async function dispatchEvent(deps: DispatchDeps, event: DispatchEvent): Promise<string> {
  const jobId = await enqueueEvent(deps.queues, {
    eventId: event.eventId,
    queue: event.plan.queue,
    generation: event.generation,
    retryNumber: event.retryNumber,
    priority: planPriority({ tasks: event.plan.tasks }),
    retryOverrides: retryOverridesFor(event.plan, deps.config.TASK_RETRY_POLICIES, event.sourceRetry),
  });
  // Conditional: a fast worker may already have moved the event on to processing.
  await deps.prisma.webhookEvent.updateMany({
    where: { id: event.eventId, status: 'received' },
    data: { status: 'queued', queuedAt: new Date(), jobId },
  });
  return jobId;
}

/**
 * What queueing a stored event again needs (reprocess, retry, a stranded event): its plan, as the ingress
 * stored it (planned from the payload for a row stored before plans were), the options it is planned with
 * (its source's routing rules), and its source's retry overrides. The source's settings are read fresh, so
 * a settings change applies to the next run.
 */
export async function planStoredEvent(
  deps: Pick<DispatchDeps, 'prisma' | 'config'>,
  event: PlannableEvent & { plan: unknown; sourceId: string | null },
): Promise<{ plan: EventPlan; planOptions: PlanOptions; sourceRetry: RetryOverrides | undefined }> {
  const source = event.sourceId
    ? await deps.prisma.source.findUnique({ where: { id: event.sourceId }, select: { settings: true } })
    : null;
  // The built-in GitHub source has no row, and so no rules.
  const planOptions = planOptionsOf(deps.config, source ? readSourceSetting(source.settings, 'routes') : undefined);
  const plan = storedPlanOf(event, planOptions);
  return { plan, planOptions, sourceRetry: source ? readSourceSetting(source.settings, 'retry') : undefined };
}

/**
 * The plan a run follows: the one stored with the event, read without a query; for a row stored before plans
 * were (or one this version cannot read), the plan its payload gives with its source's rules as they are now,
 * as a reprocess would make it.
 */
export async function planToFollow(
  deps: Pick<DispatchDeps, 'prisma' | 'config'>,
  event: PlannableEvent & { plan: unknown; sourceId: string | null },
): Promise<EventPlan> {
  return readStoredPlan(event.plan) ?? (await planStoredEvent(deps, event)).plan;
}
