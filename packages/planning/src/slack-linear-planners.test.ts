// Slack and Linear events that ask the bot for something, planned from the providers' own examples.
import { describe, expect, it } from 'vitest';
import {
  LINEAR_EXAMPLE_ASSIGNEE_ID,
  LINEAR_ISSUE_CREATE_EXAMPLE,
  SLACK_APP_MENTION_EXAMPLE,
  SLACK_EXAMPLE_BOT_USER_ID,
  SLACK_SLASH_COMMAND_EXAMPLE,
} from '@hookfleet/devkit';
import type { PlanOptions } from './plan.js';
import { planEvent } from './planners.js';
import { replyTargetOf } from './reply-target.js';

const configured: PlanOptions = {
  botMention: '@hookfleet',
  slackBotUserId: SLACK_EXAMPLE_BOT_USER_ID,
  slackCommand: '/weather',
  linearBotUserId: LINEAR_EXAMPLE_ASSIGNEE_ID,
};
const unconfigured: PlanOptions = { botMention: '@hookfleet' };

const slashCommand = Object.fromEntries(new URLSearchParams(SLACK_SLASH_COMMAND_EXAMPLE));
/** The example's event with some fields changed (widened from the example's literal types). */
const mention = (
  event: { [K in keyof (typeof SLACK_APP_MENTION_EXAMPLE)['event']]?: string } & { thread_ts?: string },
) => ({
  ...SLACK_APP_MENTION_EXAMPLE,
  event: { ...SLACK_APP_MENTION_EXAMPLE.event, ...event },
});
const plan = (
  provider: string,
  eventType: string,
  payload: unknown,
  options = configured,
  action: string | null = null,
) => planEvent({ provider, eventType, action, payload }, options);

describe('Slack app mentions', () => {
  it("turn Slack's example into a codegen_trigger with the bot's mention taken out, on the message's thread", () => {
    const result = plan('slack', 'app_mention', SLACK_APP_MENTION_EXAMPLE);
    expect(result.queue).toBe('workflow');
    expect(result.workflow).toMatchObject({
      key: 'slack:T061EG9R6:C0LAN2Q65:1515449522.000016',
      kind: 'slack_thread',
      repository: 'T061EG9R6',
    });
    expect(result.tasks).toHaveLength(1);
    const [task] = result.tasks;
    expect(task?.type).toBe('codegen_trigger');
    expect(task?.input.user_request).toBe('is it everything a river should be?');
    expect(task?.input.author).toBe('U061F7AUR');
    expect(replyTargetOf(task?.input)).toEqual({
      provider: 'slack',
      channel: 'C0LAN2Q65',
      thread_ts: '1515449522.000016',
    });
  });

  it('in a thread, key the workflow and the answer by the thread, not the reply', () => {
    const result = plan('slack', 'app_mention', mention({ ts: '1515449600.000100', thread_ts: '1515449522.000016' }));
    expect(result.workflow?.key).toBe('slack:T061EG9R6:C0LAN2Q65:1515449522.000016');
    expect(replyTargetOf(result.tasks[0]?.input)).toMatchObject({ thread_ts: '1515449522.000016' });
  });

  it('keep other people mentioned in the request, and take the <@id|name> form out too', () => {
    const result = plan(
      'slack',
      'app_mention',
      mention({ text: `<@${SLACK_EXAMPLE_BOT_USER_ID}|hookfleet> ask <@U061F7AUR> first` }),
    );
    expect(result.tasks[0]?.input.user_request).toBe('ask <@U061F7AUR> first');
  });

  it('are recorded only without a configured bot user, when they name another user, or ask nothing', () => {
    expect(plan('slack', 'app_mention', SLACK_APP_MENTION_EXAMPLE, unconfigured)).toMatchObject({
      queue: 'default',
      tasks: [],
      workflow: null,
    });
    expect(
      plan('slack', 'app_mention', SLACK_APP_MENTION_EXAMPLE, { ...configured, slackBotUserId: 'U999' }).tasks,
    ).toEqual([]);
    expect(plan('slack', 'app_mention', mention({ text: `<@${SLACK_EXAMPLE_BOT_USER_ID}>  ` })).tasks).toEqual([]);
  });
});

describe('Slack slash commands', () => {
  it("turn Slack's example into a codegen_trigger answered in its channel, one workflow per command", () => {
    const result = plan('slack', 'slash_command', slashCommand);
    expect(result.workflow).toMatchObject({
      key: 'slack:T0001:C2147483705:command:13345224609.738474920.8088930838d88f008e0',
      kind: 'slack_thread',
    });
    expect(result.tasks[0]).toMatchObject({
      type: 'codegen_trigger',
      input: { user_request: '94070', author: 'U2147483697' },
    });
    expect(replyTargetOf(result.tasks[0]?.input)).toEqual({
      provider: 'slack',
      channel: 'C2147483705',
      thread_ts: null,
    });
  });

  it('are recorded only when the command is not the configured one, or none is configured', () => {
    expect(plan('slack', 'slash_command', slashCommand, { ...configured, slackCommand: '/hookfleet' }).tasks).toEqual(
      [],
    );
    expect(plan('slack', 'slash_command', slashCommand, unconfigured).tasks).toEqual([]);
    expect(plan('slack', 'slash_command', { ...slashCommand, text: ' ' }).tasks).toEqual([]);
  });
});

describe('Linear issues', () => {
  const updated = (updatedFrom: Record<string, unknown>, assigneeId: string | null = LINEAR_EXAMPLE_ASSIGNEE_ID) => ({
    ...LINEAR_ISSUE_CREATE_EXAMPLE,
    action: 'update',
    data: { ...LINEAR_ISSUE_CREATE_EXAMPLE.data, assigneeId },
    updatedFrom,
  });

  it("created assigned to the bot: Linear's example becomes a codegen_trigger on the issue's workflow", () => {
    const result = plan('linear', 'Issue', LINEAR_ISSUE_CREATE_EXAMPLE, configured, 'create');
    expect(result.workflow).toMatchObject({
      key: 'linear:issue:2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9',
      kind: 'linear_issue',
      repository: 'LIN',
      title: 'LIN-1778 Test issue',
    });
    expect(result.tasks[0]).toMatchObject({
      type: 'codegen_trigger',
      input: {
        user_request: 'Test issue\n\nThe foo bar should return a baz.',
        author: 'Any User',
        identifier: 'LIN-1778',
      },
    });
    expect(replyTargetOf(result.tasks[0]?.input)).toEqual({
      provider: 'linear',
      issue_id: '2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9',
    });
  });

  it('updated so that the bot is the assignee: a task; any other update: recorded only', () => {
    expect(plan('linear', 'Issue', updated({ assigneeId: null }), configured, 'update').tasks).toHaveLength(1);
    expect(plan('linear', 'Issue', updated({ assigneeId: 'someone-else' }), configured, 'update').tasks).toHaveLength(
      1,
    );
    expect(plan('linear', 'Issue', updated({ title: 'Old title' }), configured, 'update').tasks).toEqual([]);
    expect(plan('linear', 'Issue', updated({ assigneeId: null }, 'someone-else'), configured, 'update').tasks).toEqual(
      [],
    );
  });

  it('are recorded only without a configured bot user, or when assigned to someone else', () => {
    expect(plan('linear', 'Issue', LINEAR_ISSUE_CREATE_EXAMPLE, unconfigured, 'create').tasks).toEqual([]);
    expect(
      plan('linear', 'Issue', LINEAR_ISSUE_CREATE_EXAMPLE, { ...configured, linearBotUserId: 'another-user' }, 'create')
        .tasks,
    ).toEqual([]);
  });
});
