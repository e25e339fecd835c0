// The planner catalogue: what each kind of event becomes. One planner per (provider, event) turns an
// event into a plan: its queue, its tasks, its workflow and the signal it sends that workflow. Plans are
// pure functions of the event (no I/O).
import { TASK_TYPES } from '@hookfleet/queue';
import { recordOnly, type EventPlan, type EventPlanner, type PlanOptions, type PlannableEvent } from './plan.js';
import { GITHUB_PLANNERS } from './github-planners.js';
import { GITLAB_PLANNERS } from './gitlab-planners.js';
import { matchingRule, planByRule } from './routing-rules.js';
import { LINEAR_PLANNERS } from './linear-planners.js';
import { SLACK_PLANNERS } from './slack-planners.js';

/** "<provider>:<event>" -> planner. Every event kind with work to do is registered here. */
export const PLANNERS: ReadonlyMap<string, EventPlanner> = new Map([
  ...Object.entries(GITHUB_PLANNERS).map(([event, planner]) => [`github:${event}`, planner] as const),
  ...Object.entries(GITLAB_PLANNERS).map(([event, planner]) => [`gitlab:${event}`, planner] as const),
  ...Object.entries(SLACK_PLANNERS).map(([event, planner]) => [`slack:${event}`, planner] as const),
  ...Object.entries(LINEAR_PLANNERS).map(([event, planner]) => [`linear:${event}`, planner] as const),
]);

/**
 * What an event becomes: the first of its source's routing rules that matches decides its queue and tasks
 * (see routing-rules.ts); without one, the built-in planner for its provider and event, if any, else it is
 * recorded only. Every app that plans (the ingress, a reprocess, the reconciler) calls this with the
 * source's rules, so they cannot disagree.
 */
export function planEvent(event: PlannableEvent, options: PlanOptions): EventPlan {
  const planner = PLANNERS.get(`${event.provider}:${event.eventType}`);
  const builtIn = planner ? planner(event, options) : recordOnly();
  const match = options.routes ? matchingRule(options.routes, event) : null;
  const plan = match ? planByRule(match, event, builtIn) : builtIn;
  // An event's job runs on one queue: its tasks' queue when it has tasks.
  const first = plan.tasks[0];
  return first ? { ...plan, queue: TASK_TYPES[first.type].queue } : plan;
}

/** The event job's priority: its most urgent task's. */
export function planPriority(plan: Pick<EventPlan, 'tasks'>): number | undefined {
  const priorities = plan.tasks.map((task) => TASK_TYPES[task.type].priority);
  return priorities.length > 0 ? Math.min(...priorities) : undefined;
}
