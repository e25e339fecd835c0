// Which queue and task a GitHub event becomes. The ingress stores the queue; the worker asks again for
// the task type, from the same stored event, so the two can never disagree.
import type { CheckRunCompletedEvent, CheckSuiteCompletedEvent, PushEvent } from '@octokit/webhooks-types';
import type { QueueName, TaskType } from './catalog.js';

export interface Route {
  queue: QueueName;
  /** null: the event is stored and recorded, no task is created. */
  taskType: TaskType | null;
}

const PULL_REQUEST_ANALYSIS_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);
/** check_run / check_suite conclusions that call for recovery. */
export const FAILING_CHECK_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled', 'action_required']);
const WORKFLOW_EVENTS = new Set([
  'issue_comment',
  'pull_request_review',
  'pull_request_review_comment',
  'status',
  'workflow_run',
]);

const DEFAULT_ROUTE: Route = { queue: 'default', taskType: null };

export function routeGithubEvent(event: string, action: string | null, payload: unknown): Route {
  switch (event) {
    case 'pull_request':
      if (action && PULL_REQUEST_ANALYSIS_ACTIONS.has(action)) {
        return { queue: 'validation', taskType: 'pull_request_analysis' };
      }
      return action === 'closed' ? { queue: 'workflow', taskType: null } : DEFAULT_ROUTE;
    case 'push': {
      const push = payload as Partial<PushEvent>;
      const defaultBranch = push.repository?.default_branch;
      return defaultBranch && push.ref === `refs/heads/${defaultBranch}`
        ? { queue: 'deployment', taskType: 'push_analysis' }
        : DEFAULT_ROUTE;
    }
    case 'check_run': {
      const conclusion = (payload as Partial<CheckRunCompletedEvent>).check_run?.conclusion;
      return action === 'completed' && conclusion && FAILING_CHECK_CONCLUSIONS.has(conclusion)
        ? { queue: 'recovery', taskType: 'check_failure_analysis' }
        : DEFAULT_ROUTE;
    }
    case 'check_suite': {
      const conclusion = (payload as Partial<CheckSuiteCompletedEvent>).check_suite?.conclusion;
      return action === 'completed' && conclusion && FAILING_CHECK_CONCLUSIONS.has(conclusion)
        ? { queue: 'recovery', taskType: 'check_suite_failure_analysis' }
        : DEFAULT_ROUTE;
    }
    default:
      return WORKFLOW_EVENTS.has(event) ? { queue: 'workflow', taskType: null } : DEFAULT_ROUTE;
  }
}

/**
 * Any provider's event. GitHub has the routing table above; other providers' events are stored and
 * recorded on the default queue until their counterparts (merge requests, pipelines...) get tasks.
 */
export function routeEvent(provider: string, eventType: string, action: string | null, payload: unknown): Route {
  return provider === 'github' ? routeGithubEvent(eventType, action, payload) : DEFAULT_ROUTE;
}
