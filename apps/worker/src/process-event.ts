// One event job: wait for the event's turn in its workflow, re-read it, correlate it, carry out its tasks
// (each once, through the side-effect ledger), record the outcome. Status changes happen here, in
// transactions with the execution records, never in BullMQ listeners.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { Prisma, type PrismaClient, type Workflow, type WorkflowTask } from '@hookfleet/db';
import { annotateActiveSpan, failSpan, inSpan, type Logger, type Metrics } from '@hookfleet/observability';
import {
  applyRetryOverrides,
  enqueueForward,
  eventJobDataSchema,
  RetryableError,
  TASK_TYPES,
  type EventJobData,
  type EventQueues,
  type QueueConfig,
  type QueueName,
  type RetryPolicy,
} from '@hookfleet/queue';
import { storedPlanOf, type InstallationChange, type PlannedTask } from '@hookfleet/planning';
import {
  asOwner,
  earliestUnfinishedBefore,
  failedStatus,
  isStranded,
  planStoredEvent,
  recordEventProcessed,
  requeueNamedJob,
  startRun,
  SupersededRunError,
  type Blocker,
} from '@hookfleet/events';
import { processingSchema, type TransformSandbox } from '@hookfleet/sources';
import type { Downstreams } from './downstreams.js';
import { asRetryable, describe, failureReason, isPermanent } from './errors.js';
import { notifyDeadTask, notifyWorkflowChange } from './notifications.js';
import { runTask } from './run-task.js';
import type { SideEffectLedger } from './side-effects.js';
import { ensureTask, recordTaskSuccess, startExecution } from './task-records.js';
import { correlateEvent } from './workflows.js';

export interface ProcessorDeps {
  prisma: PrismaClient;
  queues: EventQueues;
  downstreams: Downstreams;
  ledger: SideEffectLedger;
  logger: Logger;
  metrics: Metrics;
  retryPolicy: RetryPolicy;
  config: Pick<QueueConfig, 'BOT_MENTION' | 'TASK_RETRY_POLICIES'>;
  /** How long a job whose turn has not come waits before it looks again. */
  orderingDelayMs: number;
  /** An earlier event still `received` this long after delivery lost its enqueue: queue it from here. */
  strandedAfterMs: number;
  /** Where transform-mode sources' expressions run, under time, heap and output limits. */
  transforms: TransformSandbox;
}

const EVENT_SELECT = {
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
type EventRecord = Prisma.WebhookEventGetPayload<{ select: typeof EVENT_SELECT }>;

/** Attempt numbers as a label: a handful of values whatever JOB_MAX_RETRIES says. */
const attemptLabel = (attempt: number) => (attempt >= 5 ? '5+' : String(attempt));

export function createEventProcessor(deps: ProcessorDeps) {
  const { prisma, metrics } = deps;

  return async function processEvent(job: Job<EventJobData>, token?: string): Promise<void> {
    const { eventId, retry } = eventJobDataSchema.parse(job.data);
    const policy = applyRetryOverrides(deps.retryPolicy, retry);
    const attempt = job.attemptsMade + 1;
    const queue = job.queueName as QueueName;
    const logger = deps.logger.child({ event_id: eventId, job_id: job.id, queue, attempt });
    const started = performance.now();

    const event = await prisma.webhookEvent.findUnique({ where: { id: eventId }, select: EVENT_SELECT });
    if (!event) throw new UnrecoverableError(`event ${eventId} does not exist`);
    const jobLogger = logger.child({ correlation_id: event.deliveryId, event_type: event.eventType });

    // The plan the ingress stored with the event; a row stored before plans were is planned from its payload.
    const plan = storedPlanOf(event, { botMention: deps.config.BOT_MENTION });
    if (event.workflowKey) {
      const blocker = await earliestUnfinishedBefore(prisma, {
        workflowKey: event.workflowKey,
        sequence: event.sequence,
        // A check tied only to its commit joins the pull request whose head that commit is: it must not run
        // before the repository's earlier events, one of which may be that pull request's.
        repository:
          plan.workflow?.kind === 'commit' ? { provider: event.provider, name: plan.workflow.repository } : null,
      });
      if (blocker) {
        annotateActiveSpan({ 'hookfleet.waiting_for_event_id': blocker.id });
        await requeueIfStranded(deps, blocker, jobLogger);
        metrics.orderingWaits.inc({ queue });
        jobLogger.debug('waiting for an earlier event of the workflow', { blocked_by: blocker.id });
        // Back to the delayed set without using an attempt; BullMQ wants the DelayedError thrown after.
        await job.moveToDelayed(Date.now() + deps.orderingDelayMs, token);
        throw new DelayedError();
      }
    }

    const outcome = (status: 'processed' | 'failed' | 'dead', error?: unknown) => {
      const labels = { queue, provider: event.provider, event_type: event.eventType, status };
      metrics.eventsProcessed.inc(labels);
      metrics.eventProcessingDuration.observe(
        { queue, event_type: event.eventType, status },
        (performance.now() - started) / 1000,
      );
      if (status !== 'failed') {
        metrics.processingDuration.observe(
          { queue, provider: event.provider, status },
          (Date.now() - event.receivedAt.getTime()) / 1000,
        );
      }
      if (status === 'dead')
        metrics.dlqEntries.inc({ queue, event_type: event.eventType, reason: failureReason(error) });
      if (status === 'failed')
        metrics.retryAttempts.inc({ queue, attempt: attemptLabel(attempt), reason: failureReason(error) });
    };

    const owner = await startRun(prisma, { eventId, jobId: job.id });
    if (!owner) {
      jobLogger.warn('event already finished by another run; nothing to do', { status: event.status });
      return;
    }
    const processOwnedRun = async (): Promise<void> => {
      let workflow: Workflow | null;
      try {
        workflow = await correlateEvent(prisma, event, plan);
        if (plan.installation) await recordInstallation(prisma, plan.installation);
        await applyProcessingMode(deps, event, queue);
      } catch (error) {
        // Not a task's failure, so no task records it: the event does, and BullMQ decides what follows.
        const dead = error instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
        await asOwner(prisma, owner, (tx) =>
          tx.webhookEvent.update({
            where: { id: eventId },
            data: { status: failedStatus(dead), lastError: describe(error) },
          }),
        );
        outcome(dead ? 'dead' : 'failed', error);
        jobLogger.warn('event failed before its tasks', { error: describe(error), dead });
        throw error;
      }

      const jobId = job.id ?? 'unknown';
      for (const planned of plan.tasks) {
        const failure = await inSpan(
          '@hookfleet/worker',
          `task ${planned.type}`,
          { attributes: { 'hookfleet.task_type': planned.type } },
          async (span) => {
            const failed = await runPlannedTask(deps, { event, workflow, planned, jobId, attempt, owner, jobLogger });
            if (failed) failSpan(span, failed.error);
            return failed;
          },
        );
        if (!failure) continue;
        const elapsedOut =
          policy.maxElapsedMs !== null && Date.now() - event.receivedAt.getTime() >= policy.maxElapsedMs;
        const dead = failure.permanent || elapsedOut || attempt >= (job.opts.attempts ?? 1);
        await asOwner(prisma, owner, async (tx) => {
          await tx.workflowTask.update({
            where: { id: failure.task.id },
            data: { status: failedStatus(dead), error: failure.message },
          });
          await tx.webhookEvent.update({
            where: { id: eventId },
            data: { status: failedStatus(dead), lastError: failure.message },
          });
        });
        outcome(dead ? 'dead' : 'failed', failure.error);
        if (!dead)
          metrics.workflowTaskRetries.inc({ task_type: failure.task.taskType, reason: failureReason(failure.error) });
        jobLogger.warn(dead ? 'task dead: attempts exhausted or error permanent' : 'task attempt failed, will retry', {
          task_id: failure.task.id,
          error: failure.message,
          permanent: failure.permanent,
        });
        if (dead) await notifyDeadTask({ ...deps, logger: jobLogger }, failure.task, jobId, failure.message);
        // UnrecoverableError sends the job to the failed set (the dead-letter queue) without more attempts.
        if (failure.permanent || elapsedOut) {
          throw failure.error instanceof UnrecoverableError ? failure.error : new UnrecoverableError(failure.message);
        }
        throw asRetryable(failure.error, failure.message);
      }

      // Notifications are part of processing the event: sent (through the ledger) before it is marked
      // processed, so a crash in between repeats or completes them on the next run instead of dropping them.
      if (workflow) {
        await notifyWorkflowChange({ ...deps, logger: jobLogger }, notificationFacts(event), workflow, plan.signal);
      }
      await recordEventProcessed(prisma, owner);
      outcome('processed');
      jobLogger.info(plan.tasks.length > 0 ? 'event processed' : 'event recorded, no task', {
        tasks: plan.tasks.length,
        workflow_id: workflow?.id ?? null,
        workflow_state: workflow?.state ?? null,
      });
    };

    try {
      await processOwnedRun();
    } catch (error) {
      if (error instanceof SupersededRunError)
        jobLogger.warn('run superseded; nothing written', { error: error.message });
      throw error;
    }
  };
}

interface TaskFailure {
  task: WorkflowTask;
  error: unknown;
  message: string;
  permanent: boolean;
}

/** One planned task's attempt, recorded. Returns the failure, if any. */
async function runPlannedTask(
  deps: ProcessorDeps,
  context: {
    event: EventRecord;
    workflow: Workflow | null;
    planned: PlannedTask;
    jobId: string;
    attempt: number;
    owner: { eventId: string; runToken: string };
    jobLogger: Logger;
  },
): Promise<TaskFailure | null> {
  const { prisma, metrics } = deps;
  const { event, workflow, jobId, attempt } = context;
  // A check GitHub tied only to a commit belongs to the pull request its workflow found by head SHA.
  const planned = { ...context.planned, prNumber: context.planned.prNumber ?? workflow?.prNumber ?? null };
  const { task, created } = await ensureTask(prisma, event, {
    taskType: planned.type,
    priority: TASK_TYPES[planned.type].priority,
    repository: event.repository,
    prNumber: planned.prNumber,
    branch: planned.branch,
    commitSha: planned.commitSha,
    input: planned.input,
    maxRetries: deps.retryPolicy.maxRetries,
    workflowId: workflow?.id ?? null,
  });
  if (created) metrics.workflowTasks.inc({ task_type: planned.type });
  annotateActiveSpan({ 'hookfleet.task_id': task.id });
  // Done, or submitted and waiting for its callback: nothing more for this job to do.
  if (task.status === 'completed' || (task.status === 'running' && task.externalTaskId)) return null;

  const executionId = await startExecution(prisma, task, { jobId, attempt });
  const taskStarted = performance.now();
  try {
    const result = await runTask(
      deps,
      {
        id: task.id,
        taskType: planned.type,
        eventId: event.id,
        repository: event.repository,
        prNumber: planned.prNumber,
        branch: planned.branch,
        commitSha: planned.commitSha,
        input: planned.input,
      },
      jobId,
    );
    const durationMs = Math.round(performance.now() - taskStarted);
    await recordTaskSuccess(prisma, context.owner, {
      executionId,
      taskId: task.id,
      durationMs,
      awaitingCallback: result.awaitingCallback,
      externalTaskId: result.externalTaskId ?? null,
      externalTaskUrl: result.externalTaskUrl ?? null,
      output: result.output,
    });
    const status = result.awaitingCallback ? 'submitted' : 'completed';
    metrics.taskExecutions.inc({ task_type: planned.type, status });
    if (planned.type === 'codegen_trigger')
      metrics.codegenAgentTasks.inc({ downstream: TASK_TYPES[planned.type].downstream, status: 'submitted' });
    metrics.workflowTaskDuration.observe({ task_type: planned.type, status }, durationMs / 1000);
    context.jobLogger.info(`task ${status}`, { task_id: task.id, external_task_id: result.externalTaskId });
    return null;
  } catch (error) {
    const message = describe(error);
    const durationMs = Math.round(performance.now() - taskStarted);
    await asOwner(prisma, context.owner, (tx) =>
      tx.taskExecution.update({
        where: { id: executionId },
        data: { status: 'failed', completedAt: new Date(), durationMs, error: message },
      }),
    );
    metrics.taskExecutions.inc({ task_type: planned.type, status: 'failed' });
    if (planned.type === 'codegen_trigger')
      metrics.codegenAgentTasks.inc({ downstream: TASK_TYPES[planned.type].downstream, status: 'failed' });
    metrics.workflowTaskDuration.observe({ task_type: planned.type, status: 'failed' }, durationMs / 1000);
    return { task, error, message, permanent: isPermanent(error) && !(error instanceof RetryableError) };
  }
}

/**
 * The ingress answers 503 and leaves the row `received` when Redis is down, and GitHub does not redeliver
 * on its own: without this, that event would hold its whole workflow back. Its job id is deterministic,
 * so two waiting jobs queueing it at once add one job.
 */
async function requeueIfStranded(deps: ProcessorDeps, blocker: Blocker, logger: Logger): Promise<void> {
  // Measured from when the row last changed: an event an operator just put back to `received` is being
  // queued by the admin at this moment, and queueing it here too would make a second job.
  if (Date.now() - blocker.updatedAt.getTime() < deps.strandedAfterMs) return;
  if (!(await isStranded(deps.queues, blocker))) return;
  const { plan, sourceRetry } = await planStoredEvent(deps, blocker);
  await requeueNamedJob(deps, blocker, { plan, sourceRetry });
  logger.warn('queued a stranded earlier event of the workflow', { stranded_event_id: blocker.id });
}

async function recordInstallation(prisma: PrismaClient, change: InstallationChange): Promise<void> {
  const id = BigInt(change.id);
  const existing = await prisma.installation.findUnique({ where: { id }, select: { repositories: true } });
  const current = new Set((existing?.repositories as string[] | undefined) ?? []);
  for (const name of change.added) current.add(name);
  for (const name of change.removed) current.delete(name);
  const repositories = change.repositories ?? [...current];
  const data = {
    account: change.account,
    accountType: change.accountType,
    repositories,
    ...(change.action === 'deleted' ? { deletedAt: new Date() } : {}),
    ...(change.action === 'created' ? { deletedAt: null } : {}),
    ...(change.action === 'suspend' ? { suspended: true } : {}),
    ...(change.action === 'unsuspend' ? { suspended: false } : {}),
  };
  await prisma.installation.upsert({ where: { id }, create: { id, ...data }, update: data });
}

/** A source's processing mode: forward (deliver the event to its URL) and transform need work; store needs none. */
async function applyProcessingMode(deps: ProcessorDeps, event: EventRecord, queue: QueueName): Promise<void> {
  if (!event.sourceId) return;
  const source = await deps.prisma.source.findUnique({ where: { id: event.sourceId }, select: { settings: true } });
  const parsed = processingSchema.safeParse((source?.settings as { processing?: unknown } | null)?.processing);
  if (!parsed.success) return;
  const processing = parsed.data;
  if (processing.mode === 'transform') {
    const outcome = await deps.transforms.run(processing.expression, event.payload);
    if (!outcome.ok) {
      // The sandbox's own failure (closed on shutdown, a child killed from outside) is worth a retry; the
      // same expression on the same payload fails the same way every time: permanent.
      if (outcome.sandboxFailed) throw new Error(`transform sandbox failed: ${outcome.message}`);
      throw new UnrecoverableError(
        outcome.limit
          ? `transform exceeded its ${outcome.limit} limit: ${outcome.message}`
          : `transform failed: ${outcome.message}`,
      );
    }
    await deps.prisma.webhookEvent.update({
      where: { id: event.id },
      data: {
        transformed: outcome.result === null ? Prisma.JsonNull : (outcome.result as Prisma.InputJsonValue),
      },
    });
  }
  if (processing.mode === 'forward') {
    await enqueueForward(deps.queues, {
      eventId: event.id,
      generation: event.generation,
      queue,
      maxRetries: processing.maxRetries,
    });
  }
}

/** What notifications quote from a pull request event. */
function notificationFacts(event: EventRecord) {
  const pr = (
    event.payload as { pull_request?: { html_url?: string; body?: string | null; user?: { login?: string } } }
  ).pull_request;
  return { id: event.id, url: pr?.html_url ?? null, author: pr?.user?.login ?? null, body: pr?.body ?? null };
}
