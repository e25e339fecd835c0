// Settings every app that plans or enqueues events reads (ingress, worker, admin).
import { baseConfigSchema, nonNegativeInt } from '@hookfleet/config';
import { z } from 'zod';
import { TASK_TYPE_NAMES, type TaskType } from './catalog.js';
import { retryOverridesSchema, type RetryOverrides } from './retry.js';

/** JSON object in an env var, e.g. TASK_RETRY_POLICIES='{"deployment":{"maxRetries":1}}'. */
const taskRetryPolicies = z
  .string()
  .transform((value, ctx): unknown => {
    try {
      return JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(z.partialRecord(z.enum(TASK_TYPE_NAMES), retryOverridesSchema));

export const queueConfigSchema = baseConfigSchema.extend({
  /** Retry overrides per task type, over the JOB_* defaults; a source's own settings win over these. */
  TASK_RETRY_POLICIES: taskRetryPolicies.default({}),
  /** A comment containing this asks the bot for something (a codegen_trigger task). */
  BOT_MENTION: z.string().min(2).default('@hookfleet'),
  /**
   * Who the bot is in Slack and Linear: a Slack message naming this user (an app mention), a slash command
   * that is this command, a Linear issue assigned to this user asks the bot for something. Unset: those
   * events are stored and recorded only. Planned where events are received, so every app that plans reads them.
   */
  SLACK_BOT_USER_ID: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/, 'a Slack user id such as U0LAN0Z89')
    .optional(),
  SLACK_COMMAND: z
    .string()
    .regex(/^\/[^\s]+$/, 'a slash command such as /hookfleet')
    .optional(),
  LINEAR_BOT_USER_ID: z.string().min(1).optional(),
  /** /health shows `degraded` while a queue has more jobs waiting than this (0 turns it off). */
  HEALTH_QUEUE_DEPTH_DEGRADED: nonNegativeInt.default(1000),
});
export type QueueConfig = z.infer<typeof queueConfigSchema>;
export type TaskRetryPolicies = Partial<Record<TaskType, RetryOverrides>>;
