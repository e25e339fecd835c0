// The writes of a task's normal path, one statement each: an event's run is mostly bookkeeping, and every
// statement is a round trip plus the ORM's own work (an upsert is a transaction of three or four), so the
// path every event takes is written in SQL, each write atomic on its own. Failures and other rare paths keep
// the ORM.
import { type Prisma, type PrismaClient, type WorkflowTask } from '@hookfleet/db';
import { SupersededRunError, type RunOwner } from '@hookfleet/events';

export interface NewTask {
  taskType: string;
  priority: number;
  repository: string | null;
  prNumber: number | null;
  branch: string | null;
  commitSha: string | null;
  input: unknown;
  maxRetries: number;
  workflowId: string | null;
}

/**
 * The event's task of this type for this generation, made if missing (a job run twice finds the one the first
 * run made): an INSERT ... ON CONFLICT DO NOTHING and a SELECT, where an upsert is a transaction of four.
 */
export async function ensureTask(
  prisma: PrismaClient,
  event: { id: string; generation: number },
  task: NewTask,
): Promise<{ task: WorkflowTask; created: boolean }> {
  const { count } = await prisma.workflowTask.createMany({
    data: {
      eventId: event.id,
      generation: event.generation,
      taskType: task.taskType,
      priority: task.priority,
      repository: task.repository,
      prNumber: task.prNumber,
      branch: task.branch,
      commitSha: task.commitSha,
      input: task.input as Prisma.InputJsonObject,
      maxRetries: task.maxRetries,
      workflowId: task.workflowId,
    },
    skipDuplicates: true,
  });
  const stored = await prisma.workflowTask.findUniqueOrThrow({
    where: {
      eventId_generation_taskType: { eventId: event.id, generation: event.generation, taskType: task.taskType },
    },
  });
  return { task: stored, created: count === 1 };
}

/** This attempt's execution row (reused when the same attempt runs again) and the task marked running. */
export async function startExecution(
  prisma: PrismaClient,
  task: { id: string; retryCount: number },
  run: { jobId: string; attempt: number },
): Promise<string> {
  const [row] = await prisma.$queryRaw<Array<{ id: string }>>`
    WITH execution AS (
      INSERT INTO task_executions (id, task_id, job_id, attempt, status, started_at)
      VALUES (gen_random_uuid(), ${task.id}::uuid, ${run.jobId}, ${run.attempt}, 'running', now())
      ON CONFLICT (task_id, job_id, attempt)
        DO UPDATE SET status = 'running', started_at = now(), completed_at = NULL, error = NULL
      RETURNING id
    ), task AS (
      UPDATE workflow_tasks
         SET status = 'running', started_at = coalesce(started_at, now()),
             retry_count = greatest(retry_count, ${run.attempt - 1}::int), updated_at = now()
       WHERE id = ${task.id}::uuid
    )
    SELECT id::text FROM execution`;
  return row!.id;
}

export interface TaskSuccess {
  executionId: string;
  taskId: string;
  durationMs: number;
  /** Submitted to a downstream that reports back later: the task stays running. */
  awaitingCallback: boolean;
  externalTaskId: string | null;
  externalTaskUrl: string | null;
  output: unknown;
}

/**
 * The attempt's success, written only while the run still owns its event (the event row locked for the
 * statement, as asOwner does), in one statement: the execution completed and the task completed or
 * waiting for its callback.
 */
export async function recordTaskSuccess(prisma: PrismaClient, owner: RunOwner, success: TaskSuccess): Promise<void> {
  const taskStatus = success.awaitingCallback ? 'running' : 'completed';
  const output = success.output === undefined ? null : JSON.stringify(success.output);
  const [row] = await prisma.$queryRaw<Array<{ owned: number }>>`
    WITH owner AS (
      SELECT 1 FROM webhook_events WHERE id = ${owner.eventId}::uuid AND run_token = ${owner.runToken}::uuid FOR UPDATE
    ), execution AS (
      UPDATE task_executions SET status = 'completed', completed_at = now(), duration_ms = ${success.durationMs}::int
       WHERE id = ${success.executionId}::uuid AND EXISTS (SELECT 1 FROM owner)
    ), task AS (
      UPDATE workflow_tasks
         SET status = ${taskStatus}::"TaskStatus",
             completed_at = CASE WHEN ${success.awaitingCallback}::boolean THEN NULL ELSE now() END,
             error = NULL, external_task_id = ${success.externalTaskId}, external_task_url = ${success.externalTaskUrl},
             output = coalesce(${output}::jsonb, output), updated_at = now()
       WHERE id = ${success.taskId}::uuid AND EXISTS (SELECT 1 FROM owner)
    )
    SELECT count(*)::int AS owned FROM owner`;
  if (!row || row.owned === 0) throw new SupersededRunError(owner.eventId);
}
