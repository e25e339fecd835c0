// The plan stored with an event. The ingress plans each delivery once and stores the plan in the event's
// row; the worker, the admin and the reconciler follow that plan rather than planning again, so during a
// rolling deploy an old ingress and a new worker cannot disagree about an event's queue, tasks or workflow.
import { z } from 'zod';
import { QUEUE_NAMES, TASK_TYPE_NAMES } from '@hookfleet/queue';
import type { EventPlan, PlannableEvent, PlanOptions } from './plan.js';
import { planEvent } from './planners.js';
import { WORKFLOW_KINDS, WORKFLOW_SIGNALS } from './workflow-states.js';

const nullableString = z.string().nullable();
const nullableInt = z.number().int().nullable();

export const eventPlanSchema = z.object({
  queue: z.enum(QUEUE_NAMES),
  tasks: z.array(
    z.object({
      type: z.enum(TASK_TYPE_NAMES),
      prNumber: nullableInt,
      branch: nullableString,
      commitSha: nullableString,
      input: z.record(z.string(), z.unknown()),
    }),
  ),
  workflow: z
    .object({
      key: z.string(),
      kind: z.enum(WORKFLOW_KINDS),
      repository: z.string(),
      prNumber: nullableInt,
      branch: nullableString,
      headSha: nullableString,
      title: nullableString,
    })
    .nullable(),
  signal: z.enum(WORKFLOW_SIGNALS).nullable(),
  installation: z
    .object({
      id: z.number().int(),
      account: z.string(),
      accountType: nullableString,
      repositories: z.array(z.string()).nullable(),
      added: z.array(z.string()),
      removed: z.array(z.string()),
      action: z.string(),
    })
    .nullable(),
}) satisfies z.ZodType<EventPlan>;

/** A stored plan as this version reads it; null for none (a row stored before plans were) or one it cannot read. */
export function readStoredPlan(plan: unknown): EventPlan | null {
  if (plan === null || plan === undefined) return null;
  const stored = eventPlanSchema.safeParse(plan);
  return stored.success ? stored.data : null;
}

/**
 * The event's stored plan; for a row stored before plans were (or one this version cannot read), the plan
 * its payload gives.
 */
export function storedPlanOf(event: PlannableEvent & { plan: unknown }, options: PlanOptions): EventPlan {
  return readStoredPlan(event.plan) ?? planEvent(event, options);
}
