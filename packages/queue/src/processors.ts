// The processor catalogue: what each kind of event becomes. One processor per (provider, event) turns a
// stored event into a plan: its queue, its tasks, its workflow and the signal it sends that workflow.
// Plans are pure functions of the stored event, so the ingress (queue, priority, retries) and the worker
// (tasks, workflow) compute the same plan and can never disagree.
import { TASK_TYPES } from './catalog.js';
import { recordOnly, type EventPlan, type EventProcessor, type PlanOptions, type StoredEvent } from './plan.js';
import { GITHUB_PROCESSORS } from './processors-github.js';
import { GITLAB_PROCESSORS } from './processors-gitlab.js';

/** "<provider>:<event>" -> processor. Every event kind with work to do is registered here. */
export const PROCESSORS: ReadonlyMap<string, EventProcessor> = new Map([
  ...Object.entries(GITHUB_PROCESSORS).map(([event, processor]) => [`github:${event}`, processor] as const),
  ...Object.entries(GITLAB_PROCESSORS).map(([event, processor]) => [`gitlab:${event}`, processor] as const),
]);

export function planEvent(event: StoredEvent, options: PlanOptions): EventPlan {
  const processor = PROCESSORS.get(`${event.provider}:${event.eventType}`);
  const plan = processor ? processor(event, options) : recordOnly();
  // An event's job runs on one queue: its tasks' queue when it has tasks.
  const first = plan.tasks[0];
  return first ? { ...plan, queue: TASK_TYPES[first.type].queue } : plan;
}

/** The event job's priority: its most urgent task's. */
export function planPriority(plan: Pick<EventPlan, 'tasks'>): number | undefined {
  const priorities = plan.tasks.map((task) => TASK_TYPES[task.type].priority);
  return priorities.length > 0 ? Math.min(...priorities) : undefined;
}
