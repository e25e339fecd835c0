// What reprocess and retry share: the dispatch dependencies built from the admin's config.
import type { QueueConfig } from '@hookfleet/queue';
import type { DispatchDeps } from '@hookfleet/events';

export interface RedispatchDeps extends Omit<DispatchDeps, 'taskRetryPolicies'> {
  config: Pick<QueueConfig, 'TASK_RETRY_POLICIES' | 'BOT_MENTION'>;
}

export function dispatchDepsOf(deps: RedispatchDeps): DispatchDeps {
  return { prisma: deps.prisma, queues: deps.queues, taskRetryPolicies: deps.config.TASK_RETRY_POLICIES };
}
