// Retry: one more attempt at a failed or dead task of the event's current generation. The job id is
// derived from the event's attempt count, so concurrent retries of one state collapse into one job.
import { AppError } from '@hookfleet/http';
import { eventJobId, type QueueName } from '@hookfleet/queue';
import { dispatchEvent, planStoredEvent } from '@hookfleet/events';
import { dispatchDepsOf, type RedispatchDeps } from './redispatch.js';

export interface RetryResult {
  taskId: string;
  jobId: string;
}

export async function retryTask(deps: RedispatchDeps, taskId: string): Promise<RetryResult> {
  const task = await deps.prisma.workflowTask.findUnique({
    where: { id: taskId },
    select: {
      id: true,
      status: true,
      generation: true,
      taskType: true,
      event: {
        select: {
          id: true,
          status: true,
          generation: true,
          queue: true,
          attempts: true,
          jobId: true,
          provider: true,
          eventType: true,
          action: true,
          payload: true,
          sourceId: true,
        },
      },
    },
  });
  if (!task) throw new AppError(404, 'task_not_found', `no task ${taskId}`);
  const { event } = task;
  if (task.status !== 'failed' && task.status !== 'dead') {
    throw new AppError(409, 'task_not_failed', `task is ${task.status}; only failed or dead tasks can be retried`);
  }
  if (task.generation !== event.generation) {
    throw new AppError(409, 'task_superseded', 'the event was reprocessed since; retry the newer task');
  }
  if (event.status !== 'dead' && event.status !== 'processed') {
    throw new AppError(409, 'event_in_progress', `its event is ${event.status}; BullMQ is still on it`);
  }

  const claimed = await deps.prisma.$transaction(async (tx) => {
    const claimedTask = await tx.workflowTask.updateMany({
      where: { id: task.id, status: task.status },
      data: { status: 'pending', error: null },
    });
    if (claimedTask.count === 0) return false;
    // The new job's id goes with the claim, so the reconciler queues exactly this one should the add fail.
    await tx.webhookEvent.update({
      where: { id: event.id },
      data: { status: 'received', lastError: null, jobId: eventJobId(event.id, event.generation, event.attempts) },
    });
    return true;
  });
  if (!claimed) throw new AppError(409, 'task_not_failed', 'task changed meanwhile; reload it');

  if (event.jobId) {
    const previous = await deps.queues[event.queue as QueueName].getJob(event.jobId);
    if (previous && (await previous.isFailed())) await previous.remove();
  }
  const { plan, sourceRetry } = await planStoredEvent(deps, event);
  const jobId = await dispatchEvent(dispatchDepsOf(deps), {
    eventId: event.id,
    plan,
    sourceRetry,
    generation: event.generation,
    retryNumber: event.attempts,
  });
  return { taskId: task.id, jobId };
}
