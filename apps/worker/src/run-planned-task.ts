// One planned task's attempt within an event's run: its task row (made once), its execution record, the call
// to its downstream, and the outcome written while the run still owns the event.
import { RetryableError, TASK_TYPES } from '@hookfleet/queue';
import type { Workflow, WorkflowTask } from '@hookfleet/db';
import { asOwner, type RunOwner } from '@hookfleet/events';
import { annotateActiveSpan, type Logger } from '@hookfleet/observability';
import type { PlannedTask } from '@hookfleet/planning';
import { describe, isPermanent } from './errors.js';
import type { EventRecord, ProcessorDeps } from './run-context.js';
import { runTask } from './run-task.js';
import { answerRequester } from './thread-replies.js';
import { ensureTask, recordTaskSuccess, startExecution } from './task-records.js';

export interface TaskFailure {
  task: WorkflowTask;
  error: unknown;
  message: string;
  permanent: boolean;
}

/** One planned task's attempt, recorded. Returns the failure, if any. */
export async function runPlannedTask(
  deps: ProcessorDeps,
  context: {
    event: EventRecord;
    workflow: Workflow | null;
    planned: PlannedTask;
    jobId: string;
    attempt: number;
    owner: RunOwner;
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
  // Done, or submitted and waiting for its callback: nothing more for this job to do (but the answer to
  // whoever asked for it, should a crash have come between the two).
  if (task.status === 'completed') {
    await answerRequester({ ...deps, logger: context.jobLogger }, task, { status: 'completed' });
    return null;
  }
  if (task.status === 'running' && task.externalTaskId) return null;

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
    if (!result.awaitingCallback) {
      const ended = { ...task, externalTaskId: result.externalTaskId, externalTaskUrl: result.externalTaskUrl };
      await answerRequester({ ...deps, logger: context.jobLogger }, ended, { status: 'completed' });
    }
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
