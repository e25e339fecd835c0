// Linear's event kinds in the planner catalogue (see planners.ts): an issue created assigned to the bot's
// user, or updated so that it is, asks the bot to do it: a codegen_trigger task (the issue is a request for
// code; the other task types analyse a pull request, a push or a check) on the issue's workflow, answered by
// a comment on the issue when the task ends.
import { recordOnly, type EventPlanner, type WorkflowRef } from './plan.js';
import { REPLY_TO } from './reply-target.js';

/** The fields of Linear's Issue webhook that planning reads. */
interface IssueWebhook {
  actor?: { id?: unknown; name?: unknown };
  data?: {
    id?: unknown;
    identifier?: unknown;
    title?: unknown;
    description?: unknown;
    url?: unknown;
    assigneeId?: unknown;
    teamId?: unknown;
    team?: { key?: unknown };
  };
  updatedFrom?: Record<string, unknown>;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

const issue: EventPlanner = ({ action, payload }, options) => {
  const bot = options.linearBotUserId;
  const { actor, data, updatedFrom } = payload as IssueWebhook;
  const id = text(data?.id);
  const title = text(data?.title);
  if (!bot || !id || !title || data?.assigneeId !== bot) return recordOnly();
  // updatedFrom holds the previous values of the fields an update changed: an update that did not change the
  // assignee (an edit of an issue the bot already has) asks for nothing new.
  const assignedNow =
    action === 'create' ||
    (action === 'update' &&
      updatedFrom !== undefined &&
      Object.hasOwn(updatedFrom, 'assigneeId') &&
      updatedFrom.assigneeId !== bot);
  if (!assignedNow) return recordOnly();

  const identifier = text(data?.identifier);
  const description = text(data?.description);
  const workflow: WorkflowRef = {
    key: `linear:issue:${id}`,
    kind: 'linear_issue',
    repository: text(data?.team?.key) ?? text(data?.teamId) ?? 'linear',
    prNumber: null,
    branch: null,
    headSha: null,
    title: identifier ? `${identifier} ${title}` : title,
  };
  const input = {
    user_request: description ? `${title}\n\n${description}` : title,
    author: text(actor?.name) ?? text(actor?.id),
    issue_id: id,
    identifier,
    url: text(data?.url),
    [REPLY_TO]: { provider: 'linear', issue_id: id },
  };
  return {
    ...recordOnly('workflow'),
    workflow,
    tasks: [{ type: 'codegen_trigger', prNumber: null, branch: null, commitSha: null, input }],
  };
};

export const LINEAR_PLANNERS: Record<string, EventPlanner> = {
  Issue: issue,
};
