// Where the bot answers a person who asked it for something outside a pull request: the Slack thread the
// request was made in, or the Linear issue assigned to it. The planner puts it in the task's input as
// `reply_to`, so the task row itself says where its outcome goes.
import { z } from 'zod';

export const replyTargetSchema = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('slack'),
    channel: z.string().min(1),
    /** The thread to answer in; null: a new message in the channel (a slash command has no thread). */
    thread_ts: z.string().min(1).nullable(),
  }),
  z.object({ provider: z.literal('linear'), issue_id: z.string().min(1) }),
]);
export type ReplyTarget = z.infer<typeof replyTargetSchema>;

/** The task input key that holds the reply target. */
export const REPLY_TO = 'reply_to';

/** The reply target a task's input names, if any (a task from a pull request comment has none). */
export function replyTargetOf(input: unknown): ReplyTarget | null {
  if (typeof input !== 'object' || input === null || !Object.hasOwn(input, REPLY_TO)) return null;
  const parsed = replyTargetSchema.safeParse((input as Record<string, unknown>)[REPLY_TO]);
  return parsed.success ? parsed.data : null;
}
