// Slack's event kinds in the planner catalogue (see planners.ts): a message naming the bot (an app mention)
// or the bot's slash command asks it for something, a codegen_trigger task on the thread's workflow. The
// answer goes back to the same place when the task ends (the task's `reply_to`).
import { SLACK_SLASH_COMMAND } from '@hookfleet/providers';
import { recordOnly, type EventPlan, type EventPlanner, type PlannedTask, type WorkflowRef } from './plan.js';
import { REPLY_TO, type ReplyTarget } from './reply-target.js';

/** The fields of Slack's Events API envelope and app_mention event that planning reads. */
interface AppMentionCallback {
  team_id?: unknown;
  event?: { user?: unknown; text?: unknown; ts?: unknown; thread_ts?: unknown; channel?: unknown };
}

/** The fields of a slash command's form that planning reads. */
interface SlashCommandForm {
  team_id?: unknown;
  channel_id?: unknown;
  user_id?: unknown;
  command?: unknown;
  text?: unknown;
  trigger_id?: unknown;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A workflow title: the request's first line, short enough for a list. */
function titleOf(request: string): string {
  const firstLine = request.split('\n', 1)[0] ?? '';
  return firstLine.length > 120 ? `${firstLine.slice(0, 119)}…` : firstLine;
}

function slackThreadPlan(
  team: string,
  threadKey: string,
  request: string,
  author: string | null,
  replyTo: ReplyTarget,
): EventPlan {
  const workflow: WorkflowRef = {
    key: `slack:${team}:${threadKey}`,
    kind: 'slack_thread',
    repository: team,
    prNumber: null,
    branch: null,
    headSha: null,
    title: titleOf(request),
  };
  const task: PlannedTask = {
    type: 'codegen_trigger',
    prNumber: null,
    branch: null,
    commitSha: null,
    input: { user_request: request, author, [REPLY_TO]: replyTo },
  };
  return { ...recordOnly('workflow'), workflow, tasks: [task] };
}

/**
 * The message without the bot's mentions, or null when it does not mention the bot. Slack writes a user
 * mention as <@U0LAN0Z89> (older clients <@U0LAN0Z89|name>); anyone else's mentions stay (they are part of
 * what is asked).
 */
export function withoutMention(message: string, userId: string): string | null {
  const mention = new RegExp(`<@${userId}(?:\\|[^>]*)?>`, 'g');
  if (!mention.test(message)) return null;
  return message
    .replace(mention, ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

const appMention: EventPlanner = ({ payload }, options) => {
  const botUserId = options.slackBotUserId;
  const { team_id, event } = payload as AppMentionCallback;
  const team = text(team_id);
  const channel = text(event?.channel);
  const ts = text(event?.ts);
  const message = text(event?.text);
  if (!botUserId || !team || !channel || !ts || !message) return recordOnly();
  const request = withoutMention(message, botUserId);
  // Slack sends app_mention for the app's own bot only, but the configured id decides: a message that does
  // not name it, or a bare mention with nothing asked, is recorded only.
  if (!request) return recordOnly();
  // A reply in a thread carries thread_ts (the thread's first message); a top-level message starts its own.
  const thread = text(event?.thread_ts) ?? ts;
  return slackThreadPlan(team, `${channel}:${thread}`, request, text(event?.user), {
    provider: 'slack',
    channel,
    thread_ts: thread,
  });
};

/**
 * A slash command has no thread (Slack does not allow app commands in threads), so each command is a
 * workflow of its own, keyed by its trigger_id, and the answer is a new message in its channel. Not the
 * command's response_url: it expires after 30 minutes and five uses, and a task that waits out a downstream's
 * retries can take longer.
 */
const slashCommand: EventPlanner = ({ payload }, options) => {
  const form = payload as SlashCommandForm;
  const team = text(form.team_id);
  const channel = text(form.channel_id);
  const trigger = text(form.trigger_id);
  const request = text(form.text)?.trim();
  if (!options.slackCommand || form.command !== options.slackCommand) return recordOnly();
  if (!team || !channel || !trigger || !request) return recordOnly();
  return slackThreadPlan(team, `${channel}:command:${trigger}`, request, text(form.user_id), {
    provider: 'slack',
    channel,
    thread_ts: null,
  });
};

export const SLACK_PLANNERS: Record<string, EventPlanner> = {
  app_mention: appMention,
  [SLACK_SLASH_COMMAND]: slashCommand,
};
