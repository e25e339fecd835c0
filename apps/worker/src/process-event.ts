// One event job: re-read the event, make (or find) its task, run one attempt, record the outcome.
// Status changes happen here, in transactions with the execution record, never in BullMQ listeners.
import { isAxiosError } from 'axios';
import { UnrecoverableError, type Job } from 'bullmq';
import type { PrismaClient, Prisma } from '@hookfleet/db';
import type { Logger, Metrics } from '@hookfleet/observability';
import {
  RetryableError,
  TASK_TYPES,
  eventJobDataSchema,
  parseRetryAfter,
  routeEvent,
  type EventJobData,
} from '@hookfleet/queue';
import type { AgentApiClient } from './agentapi-client.js';
import { taskContextOf } from './task-input.js';

export interface ProcessorDeps {
  prisma: PrismaClient;
  agentApi: AgentApiClient | null;
  logger: Logger;
  metrics: Metrics;
  maxRetries: number;
}

/** 4xx answers other than 408 and 429 will not change on retry. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  const status = isAxiosError(error) ? error.response?.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** A downstream that asked us to slow down (429) or come back later (503) says when, in Retry-After. */
function asRetryable(error: unknown, message: string): unknown {
  if (!isAxiosError(error)) return error;
  const status = error.response?.status;
  if (status !== 429 && status !== 503) return error;
  const header = error.response?.headers?.['retry-after'];
  return new RetryableError(message, parseRetryAfter(typeof header === 'string' ? header : undefined));
}

function describe(error: unknown): string {
  if (isAxiosError(error)) {
    return error.response ? `${error.config?.url ?? 'downstream'} answered ${error.response.status}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function createEventProcessor(deps: ProcessorDeps) {
  const { prisma, metrics } = deps;

  return async function processEvent(job: Job<EventJobData>): Promise<void> {
    const { eventId } = eventJobDataSchema.parse(job.data);
    const attempt = job.attemptsMade + 1;
    const isLastAttempt = attempt >= (job.opts.attempts ?? 1);
    const logger = deps.logger.child({ event_id: eventId, job_id: job.id, queue: job.queueName, attempt });
    const started = performance.now();

    const event = await prisma.webhookEvent.findUnique({
      where: { id: eventId },
      select: {
        id: true,
        provider: true,
        deliveryId: true,
        eventType: true,
        action: true,
        repository: true,
        payload: true,
        generation: true,
        status: true,
      },
    });
    if (!event) throw new UnrecoverableError(`event ${eventId} does not exist`);
    const jobLogger = logger.child({ correlation_id: event.deliveryId, event_type: event.eventType });
    const outcome = (status: 'processed' | 'failed' | 'dead') => {
      const labels = { queue: job.queueName, event_type: event.eventType, status };
      metrics.eventsProcessed.inc(labels);
      metrics.eventProcessingDuration.observe(labels, (performance.now() - started) / 1000);
      if (status === 'dead') metrics.dlqEntries.inc({ queue: job.queueName, event_type: event.eventType });
    };

    await prisma.webhookEvent.update({
      where: { id: eventId },
      data: { status: 'processing', processingStartedAt: new Date(), attempts: { increment: 1 } },
    });

    const { taskType } = routeEvent(event.provider, event.eventType, event.action, event.payload);
    if (!taskType) {
      await prisma.webhookEvent.update({
        where: { id: eventId },
        data: { status: 'processed', processedAt: new Date(), lastError: null },
      });
      outcome('processed');
      jobLogger.info('event recorded, no task');
      return;
    }

    const context = taskContextOf(taskType, event.payload);
    // Upsert on (event, generation, type): a job run twice finds the task the first run made.
    const task = await prisma.workflowTask.upsert({
      where: { eventId_generation_taskType: { eventId, generation: event.generation, taskType } },
      create: {
        eventId,
        generation: event.generation,
        taskType,
        priority: TASK_TYPES[taskType].priority,
        repository: event.repository,
        prNumber: context.prNumber,
        branch: context.branch,
        commitSha: context.commitSha,
        input: context.input as Prisma.InputJsonObject,
        maxRetries: deps.maxRetries,
      },
      update: {},
    });
    if (task.status === 'completed') {
      await prisma.webhookEvent.update({
        where: { id: eventId },
        data: { status: 'processed', processedAt: new Date() },
      });
      outcome('processed');
      jobLogger.info('task already completed, nothing to do', { task_id: task.id });
      return;
    }

    const jobId = job.id ?? 'unknown';
    const execution = await prisma.taskExecution.upsert({
      where: { taskId_jobId_attempt: { taskId: task.id, jobId, attempt } },
      create: { taskId: task.id, jobId, attempt },
      update: { status: 'running', startedAt: new Date(), completedAt: null, error: null },
    });
    await prisma.workflowTask.update({
      where: { id: task.id },
      data: {
        status: 'running',
        startedAt: task.startedAt ?? new Date(),
        retryCount: Math.max(task.retryCount, attempt - 1),
      },
    });

    const taskStarted = performance.now();
    try {
      const submission = deps.agentApi
        ? await deps.agentApi.submitTask({
            taskId: task.id,
            taskType,
            eventId,
            repository: event.repository,
            prNumber: context.prNumber,
            branch: context.branch,
            commitSha: context.commitSha,
            input: context.input,
          })
        : null;
      const durationMs = Math.round(performance.now() - taskStarted);
      const now = new Date();
      await prisma.$transaction([
        prisma.taskExecution.update({
          where: { id: execution.id },
          data: { status: 'completed', completedAt: now, durationMs },
        }),
        prisma.workflowTask.update({
          where: { id: task.id },
          data: {
            status: 'completed',
            completedAt: now,
            error: null,
            externalTaskId: submission?.externalTaskId ?? null,
            externalTaskUrl: submission?.externalTaskUrl ?? null,
            output: (submission
              ? { agentapi: submission.response }
              : { agentapi: null, note: 'AGENTAPI_BASE_URL not set: recorded only' }) as Prisma.InputJsonObject,
          },
        }),
        prisma.webhookEvent.update({
          where: { id: eventId },
          data: { status: 'processed', processedAt: now, lastError: null },
        }),
      ]);
      metrics.workflowTasks.inc({ task_type: taskType, status: 'completed' });
      metrics.workflowTaskDuration.observe({ task_type: taskType, status: 'completed' }, durationMs / 1000);
      outcome('processed');
      jobLogger.info('task completed', { task_id: task.id, external_task_id: submission?.externalTaskId ?? null });
    } catch (error) {
      const permanent = isPermanent(error);
      const dead = permanent || isLastAttempt;
      const message = describe(error);
      const durationMs = Math.round(performance.now() - taskStarted);
      await prisma.$transaction([
        prisma.taskExecution.update({
          where: { id: execution.id },
          data: { status: 'failed', completedAt: new Date(), durationMs, error: message },
        }),
        prisma.workflowTask.update({
          where: { id: task.id },
          data: { status: dead ? 'dead' : 'failed', error: message },
        }),
        prisma.webhookEvent.update({
          where: { id: eventId },
          data: { status: dead ? 'dead' : 'failed', lastError: message },
        }),
      ]);
      const status = dead ? 'dead' : 'failed';
      metrics.workflowTasks.inc({ task_type: taskType, status });
      metrics.workflowTaskDuration.observe({ task_type: taskType, status }, durationMs / 1000);
      outcome(status);
      jobLogger.warn(dead ? 'task dead: attempts exhausted or error permanent' : 'task attempt failed, will retry', {
        task_id: task.id,
        error: message,
        permanent,
      });
      // UnrecoverableError sends the job to the failed set (the dead-letter queue) without more attempts.
      if (permanent) throw error instanceof UnrecoverableError ? error : new UnrecoverableError(message);
      throw asRetryable(error, message);
    }
  };
}
