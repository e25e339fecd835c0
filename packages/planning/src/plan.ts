// What a planner makes of a stored event (see planners.ts for the catalogue).
import type { QueueConfig, QueueName, TaskType } from '@hookfleet/queue';
import type { RoutingRule } from './routing-rules.js';
import type { WorkflowKind, WorkflowSignal } from './workflow-states.js';

export interface PlannedTask {
  type: TaskType;
  prNumber: number | null;
  branch: string | null;
  commitSha: string | null;
  input: Record<string, unknown>;
}

/** Which workflow an event belongs to. `key` is unique across providers and kinds. */
export interface WorkflowRef {
  key: string;
  kind: WorkflowKind;
  repository: string;
  prNumber: number | null;
  branch: string | null;
  headSha: string | null;
  title: string | null;
}

export interface InstallationChange {
  id: number;
  account: string;
  accountType: string | null;
  /** Repositories now accessible ("owner/name"); null: unchanged by this event. */
  repositories: string[] | null;
  added: string[];
  removed: string[];
  /** created, deleted, suspend, unsuspend, added, removed, new_permissions_accepted. */
  action: string;
}

export interface EventPlan {
  queue: QueueName;
  tasks: PlannedTask[];
  workflow: WorkflowRef | null;
  signal: WorkflowSignal | null;
  installation: InstallationChange | null;
}

export interface PlanOptions {
  /** A comment containing this (case-insensitive) asks the bot for something, e.g. "@hookfleet". */
  botMention: string;
  /** The event's source's routing rules (settings.routes); none: the built-in planners alone. */
  routes?: readonly RoutingRule[];
  /** The bot's Slack user: a message naming it asks the bot for something. Unset: Slack messages are recorded only. */
  slackBotUserId?: string | null;
  /** The bot's slash command, e.g. "/hookfleet". Unset: slash commands are recorded only. */
  slackCommand?: string | null;
  /** The bot's Linear user: an issue assigned to it asks the bot for something. Unset: issues are recorded only. */
  linearBotUserId?: string | null;
}

/** The settings planning reads, in every app that plans (ingress, worker, admin, reconciler). */
export type PlanningConfig = Pick<
  QueueConfig,
  'BOT_MENTION' | 'SLACK_BOT_USER_ID' | 'SLACK_COMMAND' | 'LINEAR_BOT_USER_ID'
>;

/** The options every planning app passes: its config, and the event's source's routing rules (none for the built-in source). */
export function planOptionsOf(config: PlanningConfig, routes?: readonly RoutingRule[]): PlanOptions {
  return {
    routes,
    botMention: config.BOT_MENTION,
    slackBotUserId: config.SLACK_BOT_USER_ID ?? null,
    slackCommand: config.SLACK_COMMAND ?? null,
    linearBotUserId: config.LINEAR_BOT_USER_ID ?? null,
  };
}

export interface PlannableEvent {
  provider: string;
  eventType: string;
  action: string | null;
  payload: unknown;
}

export type EventPlanner = (event: PlannableEvent, options: PlanOptions) => EventPlan;

/** Stored and recorded, nothing else: events no planner knows, or that need no work. */
export function recordOnly(queue: QueueName = 'default'): EventPlan {
  return { queue, tasks: [], workflow: null, signal: null, installation: null };
}

export function mentionsBot(text: unknown, mention: string): text is string {
  return typeof text === 'string' && mention.length > 0 && text.toLowerCase().includes(mention.toLowerCase());
}
