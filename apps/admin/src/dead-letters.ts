// The dead-letter queue is BullMQ's failed set of each queue. Retrying a dead event gives its dead task one
// more attempt (the same task) or, when it died before any task, runs it again as a new generation;
// discarding takes it out of the failed set and marks the event discarded (the row stays).
import type { Job } from 'bullmq';
import { AppError } from '@hookfleet/http';
import type { Metrics } from '@hookfleet/observability';
import { EVENT_JOB_NAME, eventJobDataSchema, forwardJobDataSchema, type QueueName } from '@hookfleet/queue';
import type { DispatchDeps } from '@hookfleet/events';
import { reprocessEvent } from './reprocess-event.js';
import { retryTask } from './retry-task.js';

export async function deadJob(deps: DispatchDeps, queue: QueueName, jobId: string): Promise<Job> {
  const job = await deps.queues[queue].getJob(jobId);
  if (!job || !(await job.isFailed()))
    throw new AppError('dead_letter_not_found', `no failed job ${jobId} in ${queue}`);
  return job;
}

const eventIdOf = (job: Job) =>
  (job.name === EVENT_JOB_NAME ? eventJobDataSchema : forwardJobDataSchema).safeParse(job.data).data?.eventId ?? null;

type DeadLetterRetry = { job_id: string; event_id: string | null; as: 'task_retry' | 'reprocess' | 'job_retry' };

/** One dead letter back to its queue; counted in webhook_dlq_retries_total as queued, refused (4xx) or failed. */
export async function retryDeadLetter(
  deps: DispatchDeps & { metrics: Metrics },
  queue: QueueName,
  jobId: string,
): Promise<DeadLetterRetry> {
  try {
    const retried = await sendBack(deps, queue, jobId);
    deps.metrics.dlqRetries.inc({ status: 'queued' });
    return retried;
  } catch (error) {
    deps.metrics.dlqRetries.inc({ status: error instanceof AppError && error.status < 500 ? 'refused' : 'failed' });
    throw error;
  }
}

async function sendBack(deps: DispatchDeps, queue: QueueName, jobId: string): Promise<DeadLetterRetry> {
  const job = await deadJob(deps, queue, jobId);
  const eventId = eventIdOf(job);
  if (job.name !== EVENT_JOB_NAME || !eventId) {
    // A forward: the job itself runs again; its side-effect key keeps a delivered forward from repeating.
    await job.retry('failed');
    return { job_id: jobId, event_id: eventId, as: 'job_retry' };
  }
  const event = await deps.prisma.webhookEvent.findUnique({
    where: { id: eventId },
    select: { status: true, generation: true, tasks: { select: { id: true, status: true, generation: true } } },
  });
  if (!event) throw new AppError('event_not_found', `no event ${eventId}`);
  if (event.status !== 'dead') throw new AppError('event_not_dead', `event is ${event.status}`);
  const deadTask = event.tasks.find((task) => task.generation === event.generation && task.status === 'dead');
  if (deadTask) {
    const retried = await retryTask(deps, deadTask.id);
    return { job_id: retried.jobId, event_id: eventId, as: 'task_retry' };
  }
  const reprocessed = await reprocessEvent(deps, eventId);
  return { job_id: reprocessed.jobId, event_id: eventId, as: 'reprocess' };
}

export async function discardDeadLetter(
  deps: DispatchDeps,
  queue: QueueName,
  jobId: string,
): Promise<{ job_id: string; event_id: string | null }> {
  const job = await deadJob(deps, queue, jobId);
  const eventId = eventIdOf(job);
  if (job.name === EVENT_JOB_NAME && eventId) {
    await deps.prisma.webhookEvent.updateMany({
      where: { id: eventId, status: 'dead' },
      data: { status: 'discarded' },
    });
  }
  await job.remove();
  return { job_id: jobId, event_id: eventId };
}

/** One page of dead letters across the queues asked for, most recently failed first. */
export async function listDeadLetters(
  deps: DispatchDeps,
  queues: QueueName[],
  page: { limit: number; offset: number },
) {
  const perQueue = await Promise.all(
    queues.map(async (queue) => {
      const [jobs, count] = await Promise.all([
        deps.queues[queue].getFailed(0, page.offset + page.limit - 1),
        deps.queues[queue].getFailedCount(),
      ]);
      return { jobs: jobs.map((job) => ({ queue, job })), count };
    }),
  );
  const jobs = perQueue
    .flatMap((entry) => entry.jobs)
    .sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0))
    .slice(page.offset, page.offset + page.limit);
  const eventIds = jobs.map(({ job }) => eventIdOf(job)).filter((id): id is string => id !== null);
  const events = await deps.prisma.webhookEvent.findMany({
    where: { id: { in: eventIds } },
    select: {
      id: true,
      eventType: true,
      action: true,
      repository: true,
      status: true,
      deliveryId: true,
      lastError: true,
    },
  });
  const byId = new Map(events.map((event) => [event.id, event]));
  return {
    data: jobs.map(({ queue, job }) => {
      const eventId = eventIdOf(job);
      const event = eventId ? byId.get(eventId) : undefined;
      return {
        queue,
        job_id: job.id,
        job_name: job.name,
        event_id: eventId,
        event_type: event?.eventType ?? null,
        action: event?.action ?? null,
        repository: event?.repository ?? null,
        delivery_id: event?.deliveryId ?? null,
        event_status: event?.status ?? null,
        error_message: job.failedReason ?? event?.lastError ?? null,
        attempts_made: job.attemptsMade,
        failed_at: job.finishedOn ? new Date(job.finishedOn) : null,
      };
    }),
    total: perQueue.reduce((sum, entry) => sum + entry.count, 0),
  };
}
