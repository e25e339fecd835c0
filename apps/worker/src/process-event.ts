// One event job: wait for the event's turn in its workflow, re-read it, correlate it, carry out its tasks
// (each once, through the side-effect ledger), record the outcome. Status changes happen here, in
// transactions with the execution records, never in BullMQ listeners.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Workflow } from '@hookfleet/db';
import {
  asOwner,
  failedStatus,
  planToFollow,
  recordEventProcessed,
  startRun,
  SupersededRunError,
} from '@hookfleet/events';
import { failSpan, inSpan } from '@hookfleet/observability';
import {
  applyRetryOverrides,
  eventJobDataSchema,
  isPastMaxElapsed,
  type EventJobData,
  type QueueName,
} from '@hookfleet/queue';
import { asRetryable, describe, failureReason } from './errors.js';
import { recordInstallation } from './installations.js';
import { notifyDeadTask, notifyWorkflowChange, pullRequestFacts } from './notifications.js';
import { applyProcessingMode } from './processing-mode.js';
import { EVENT_SELECT, type ProcessorDeps } from './run-context.js';
import { runPlannedTask } from './run-planned-task.js';
import { answerRequester } from './thread-replies.js';
import { waitForTurn } from './wait-for-turn.js';
import { correlateEvent } from './workflows.js';

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

    // The plan the ingress stored with the event; a row stored before plans were is planned from its payload
    // with its source's rules, as a reprocess would plan it.
    const plan = await planToFollow(deps, event);
    await waitForTurn(deps, { job, token, event, plan, queue, logger: jobLogger });

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
      const githubReport = deps.github?.reportOn(event, plan, jobLogger) ?? null;
      await githubReport?.started();
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
        const elapsedOut = isPastMaxElapsed(policy, event.receivedAt);
        const dead = failure.permanent || elapsedOut || attempt >= (job.opts.attempts ?? 1);
        // Reported before the event is marked dead, so that a crash in between reports it on the next run.
        if (dead) await githubReport?.ended({ ok: false, ...failure, attempt, jobId });
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
        if (dead)
          await answerRequester({ ...deps, logger: jobLogger }, failure.task, {
            status: 'dead',
            jobId,
            error: failure.error,
          });
        // UnrecoverableError sends the job to the failed set (the dead-letter queue) without more attempts.
        if (failure.permanent || elapsedOut) {
          throw failure.error instanceof UnrecoverableError ? failure.error : new UnrecoverableError(failure.message);
        }
        throw asRetryable(failure.error, failure.message);
      }

      // Notifications are part of processing the event: sent (through the ledger) before it is marked
      // processed, so a crash in between repeats or completes them on the next run instead of dropping them.
      if (workflow) {
        await notifyWorkflowChange({ ...deps, logger: jobLogger }, pullRequestFacts(event), workflow, plan.signal);
      }
      await githubReport?.ended({ ok: true });
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
