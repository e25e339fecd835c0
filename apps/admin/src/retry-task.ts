// Retry: one more attempt at a failed or dead task of the event's current generation. The job id is
// derived from the event's attempt count, so concurrent retries of one state collapse into one job.
import { AppError } from '@hookfleet/http';
import {
  isStatusIn,
  planStoredEvent,
  requeueFinishedEvent,
  TASK_RETRYABLE_EVENT_STATUSES,
  type DispatchDeps,
} from '@hookfleet/events';
import { eventJobId } from '@hookfleet/queue';

export interface RetryResult {
  taskId: string;
  jobId: string;
}

export async function retryTask(deps: DispatchDeps, taskId: string): Promise<RetryResult> {
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
          plan: true,
          sourceId: true,
        },
      },
    },
  });
  if (!task) throw new AppError('task_not_found', `no task ${taskId}`);
  const { event } = task;
  if (task.status !== 'failed' && task.status !== 'dead') {
    throw new AppError('task_not_failed', `task is ${task.status}; only failed or dead tasks can be retried`);
  }
  if (task.generation !== event.generation) {
    throw new AppError('task_superseded', 'the event was reprocessed since; retry the newer task');
  }
  if (!isStatusIn(TASK_RETRYABLE_EVENT_STATUSES, event.status)) {
    throw new AppError('event_in_progress', `its event is ${event.status}; BullMQ is still on it`);
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
  if (!claimed) throw new AppError('task_not_failed', 'task changed meanwhile; reload it');

  const { plan, sourceRetry } = await planStoredEvent(deps, event);
  const jobId = await requeueFinishedEvent(deps, event, {
    plan,
    sourceRetry,
    generation: event.generation,
    retryNumber: event.attempts,
  });
  return { taskId: task.id, jobId };
}
