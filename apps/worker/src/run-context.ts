// What every step of an event's run shares: the processor's dependencies and the event row as it reads it.
import type { Prisma, PrismaClient } from '@hookfleet/db';
import type { Logger, Metrics } from '@hookfleet/observability';
import type { EventQueues, QueueConfig, RetryPolicy } from '@hookfleet/queue';
import type { TransformSandbox } from '@hookfleet/sources';
import type { PlanningConfig } from '@hookfleet/planning';
import type { Downstreams } from './downstreams.js';
import type { GithubReporter } from './github-checks.js';
import type { SideEffectLedger } from './side-effects.js';

export interface ProcessorDeps {
  prisma: PrismaClient;
  queues: EventQueues;
  downstreams: Downstreams;
  ledger: SideEffectLedger;
  logger: Logger;
  metrics: Metrics;
  retryPolicy: RetryPolicy;
  config: Pick<QueueConfig, 'TASK_RETRY_POLICIES'> & PlanningConfig;
  /** How long a job whose turn has not come waits before it looks again. */
  orderingDelayMs: number;
  /** An earlier event still `received` this long after delivery lost its enqueue: queue it from here. */
  strandedAfterMs: number;
  /** Where transform-mode sources' expressions run, under time, heap and output limits. */
  transforms: TransformSandbox;
  /** Check runs on pull requests; null without GitHub credentials. */
  github: GithubReporter | null;
}

export const EVENT_SELECT = {
  id: true,
  provider: true,
  sourceId: true,
  deliveryId: true,
  eventType: true,
  action: true,
  repository: true,
  payload: true,
  plan: true,
  generation: true,
  status: true,
  sequence: true,
  workflowKey: true,
  workflowId: true,
  receivedAt: true,
} satisfies Prisma.WebhookEventSelect;
/** The event row as a run reads it. */
export type EventRecord = Prisma.WebhookEventGetPayload<{ select: typeof EVENT_SELECT }>;
