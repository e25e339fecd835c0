// The bot's answer to a person who asked it for something in Slack or Linear: when the task their request
// became ends (completed, or dead: failed for good), a message in the Slack thread the request came from or
// a comment on the Linear issue assigned to the bot (the task's `reply_to` says which). Each answer is sent at
// most once per task and outcome (the side-effect ledger; Slack and Linear do not drop repeats), and is best
// effort: a failed answer is logged and recorded, and does not fail the task it reports on. A task that
// fails and will be tried again has not ended, so it is not answered.
import { replyTargetOf, type ReplyTarget } from '@hookfleet/planning';
import { TASK_TYPES, type TaskType } from '@hookfleet/queue';
import { publicReason } from './errors.js';
import { bestEffort, slackEscape, type NotificationDeps } from './notifications.js';

export interface EndedTask {
  id: string;
  taskType: string;
  eventId: string;
  input: unknown;
  externalTaskId: string | null;
  externalTaskUrl: string | null;
}

export type TaskEnd = { status: 'completed' } | { status: 'dead'; jobId: string; error: unknown };

/** What the answer says, in plain words; the caller escapes it for where it goes. */
function answerText(task: EndedTask, end: TaskEnd): string {
  const downstream = TASK_TYPES[task.taskType as TaskType]?.downstream ?? 'the agent';
  if (end.status === 'dead') return `Sorry, I could not do this: ${publicReason(end.error, downstream)}`;
  if (task.externalTaskUrl) return `On it: ${downstream} has started on this, follow it at ${task.externalTaskUrl}`;
  if (task.externalTaskId) return `On it: ${downstream} has started on this (run ${task.externalTaskId}).`;
  return `Noted, but no ${downstream} is configured here to carry it out.`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/**
 * A new message in a channel (a slash command's answer) says whose request it answers and what it was; the
 * requester is mentioned (the one part not escaped, and only a well-formed user id).
 */
function withRequest(input: unknown, text: string): string {
  const { author, user_request: request } = (input ?? {}) as { author?: unknown; user_request?: unknown };
  const who = typeof author === 'string' && SLACK_USER_ID.test(author) ? `<@${author}> ` : '';
  const what = typeof request === 'string' ? slackEscape(`asked “${request}”. `) : '';
  return `${who}${what}${slackEscape(text)}`;
}

/**
 * Completed answers once per task; a dead one once per job, so that a task an operator retries and that dies
 * again is answered again, while the same job run twice is not.
 */
function ledgerKey(task: EndedTask, end: TaskEnd, target: ReplyTarget): string {
  const outcome = end.status === 'dead' ? `dead:${end.jobId}` : 'completed';
  return `reply:${target.provider}:${task.id}:${outcome}`;
}

export async function answerRequester(deps: NotificationDeps, task: EndedTask, end: TaskEnd): Promise<void> {
  const target = replyTargetOf(task.input);
  if (!target) return;
  const spec = {
    key: ledgerKey(task, end, target),
    kind: `${target.provider}.reply`,
    eventId: task.eventId,
    taskId: task.id,
    downstreamDedupes: false,
  };
  const text = answerText(task, end);

  if (target.provider === 'slack') {
    const slack = deps.downstreams.slackBot;
    if (!slack) {
      deps.logger.info('answer in Slack skipped: SLACK_BOT_TOKEN is not set', { task_id: task.id });
      return;
    }
    const message = target.thread_ts ? slackEscape(text) : withRequest(task.input, text);
    await bestEffort(deps, spec.kind, () =>
      deps.ledger.once(spec, () =>
        slack.postMessage({ channel: target.channel, threadTs: target.thread_ts, text: message }),
      ),
    );
    return;
  }
  const linear = deps.downstreams.linear;
  if (!linear) {
    deps.logger.info('answer on the Linear issue skipped: LINEAR_API_KEY is not set', { task_id: task.id });
    return;
  }
  await bestEffort(deps, spec.kind, () =>
    deps.ledger.once(spec, () => linear.commentOnIssue({ identifier: target.issue_id, body: text })),
  );
}
