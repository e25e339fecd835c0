// Notifications: a Slack message for each new pull request and each dead task, a comment on the Linear
// issue a pull request names when it opens, merges or closes. Each is sent at most once (the side-effect
// ledger; neither Slack nor Linear drops repeats) and is best effort: a failed notification is logged and
// recorded, and does not fail the event it reports on.
import { isDatabaseUnavailable, type Workflow } from '@hookfleet/db';
import type { Logger } from '@hookfleet/observability';
import type { WorkflowSignal } from '@hookfleet/planning';
import type { Downstreams } from './downstreams.js';
import { describe } from './errors.js';
import { findLinearIssueIdentifier } from './integrations/linear.js';
import type { SideEffectLedger } from './side-effects.js';

const LINEAR_SIGNALS: Partial<Record<WorkflowSignal, string>> = {
  opened: 'opened',
  merged: 'merged',
  closed: 'closed without merging',
};

/**
 * Slack reads <!channel>, <url|label> and user mentions in message text; titles, logins and errors come
 * from outside (anyone can open a pull request from a fork), so they go in escaped as Slack asks.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface NotificationDeps {
  downstreams: Downstreams;
  ledger: SideEffectLedger;
  logger: Logger;
}

export async function bestEffort(deps: NotificationDeps, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    // An outage of the database (the ledger) is the run's, not the notification's: the run is retried.
    if (isDatabaseUnavailable(error)) throw error;
    deps.logger.warn('notification failed', { notification: what, error: describe(error) });
  }
}

/** What notifications quote from a pull request event. */
export function pullRequestFacts(event: { id: string; payload: unknown }) {
  const pr = (
    event.payload as { pull_request?: { html_url?: string; body?: string | null; user?: { login?: string } } }
  ).pull_request;
  return { id: event.id, url: pr?.html_url ?? null, author: pr?.user?.login ?? null, body: pr?.body ?? null };
}

/** What a workflow's new state is worth telling people about. */
export async function notifyWorkflowChange(
  deps: NotificationDeps,
  event: { id: string; url: string | null; author: string | null; body: string | null },
  workflow: Workflow,
  signal: WorkflowSignal | null,
): Promise<void> {
  if (workflow.kind !== 'pull_request' || !signal) return;
  const name = `${workflow.repository}#${workflow.prNumber}`;
  const slack = deps.downstreams.slack;
  if (slack && signal === 'opened') {
    await bestEffort(deps, 'slack.pr_opened', () =>
      deps.ledger.once(
        { key: `slack:pr_opened:${workflow.id}`, kind: 'slack.notify', eventId: event.id, downstreamDedupes: false },
        () =>
          slack.notify({
            text: slackEscape(
              `New pull request ${name}: ${workflow.title ?? ''}${event.url ? ` ${event.url}` : ''}${
                event.author ? ` (by ${event.author})` : ''
              }`,
            ),
          }),
      ),
    );
  }
  const linear = deps.downstreams.linear;
  const verb = LINEAR_SIGNALS[signal];
  const identifier = findLinearIssueIdentifier(workflow.title, workflow.branch, event.body);
  if (linear && verb && identifier) {
    await bestEffort(deps, 'linear.comment', () =>
      deps.ledger.once(
        { key: `linear:${workflow.id}:${signal}`, kind: 'linear.comment', eventId: event.id, downstreamDedupes: false },
        () =>
          linear.commentOnIssue({
            identifier,
            body: `Pull request ${name} ${verb}${event.url ? `: ${event.url}` : ''}`,
          }),
      ),
    );
  }
}

export async function notifyDeadTask(
  deps: NotificationDeps,
  task: { id: string; taskType: string; repository: string | null; prNumber: number | null; eventId: string },
  jobId: string,
  error: string,
): Promise<void> {
  const slack = deps.downstreams.slack;
  if (!slack) return;
  const where = task.prNumber ? `${task.repository}#${task.prNumber}` : (task.repository ?? 'no repository');
  await bestEffort(deps, 'slack.task_dead', () =>
    deps.ledger.once(
      {
        key: `slack:task_dead:${task.id}:${jobId}`,
        kind: 'slack.notify',
        eventId: task.eventId,
        taskId: task.id,
        downstreamDedupes: false,
      },
      () =>
        slack.notify({ text: slackEscape(`Task ${task.taskType} for ${where} is dead: ${error} (task ${task.id})`) }),
    ),
  );
}
