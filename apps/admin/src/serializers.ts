// The admin API's JSON is snake_case whatever the column's name in Prisma: these views are where rows become it.
import type { TaskExecution, WebhookEvent, Workflow, WorkflowTask } from '@hookfleet/db';
import { isStatusIn, PROCESSED_EVENT_STATUSES } from '@hookfleet/events';

export function eventSummary(event: Omit<WebhookEvent, 'payload' | 'headers' | 'normalized' | 'transformed' | 'plan'>) {
  return {
    id: event.id,
    provider: event.provider,
    delivery_id: event.deliveryId,
    hook_id: event.hookId || null,
    event_type: event.eventType,
    action: event.action,
    repository: event.repository,
    sender: event.sender,
    status: event.status,
    processed: isStatusIn(PROCESSED_EVENT_STATUSES, event.status),
    queue: event.queue,
    workflow_id: event.workflowId,
    /** Delivery order; events of one workflow are processed in this order. */
    sequence: Number(event.sequence),
    generation: event.generation,
    job_id: event.jobId,
    /** The delivery's OpenTelemetry trace; null when tracing was off. */
    trace_id: event.traceId,
    attempts: event.attempts,
    error_message: event.lastError,
    created_at: event.receivedAt,
    queued_at: event.queuedAt,
    processing_started_at: event.processingStartedAt,
    processing_completed_at: event.processedAt,
    updated_at: event.updatedAt,
  };
}

export function executionView(execution: TaskExecution) {
  return {
    id: execution.id,
    execution_id: execution.id,
    job_id: execution.jobId,
    attempt: execution.attempt,
    status: execution.status,
    started_at: execution.startedAt,
    completed_at: execution.completedAt,
    duration_ms: execution.durationMs,
    error_message: execution.error,
  };
}

export function taskView(task: WorkflowTask) {
  return {
    id: task.id,
    task_id: task.id,
    webhook_event_id: task.eventId,
    generation: task.generation,
    task_type: task.taskType,
    status: task.status,
    priority: task.priority,
    repository: task.repository,
    pr_number: task.prNumber,
    branch: task.branch,
    commit_sha: task.commitSha,
    config: task.config,
    input_data: task.input,
    output_data: task.output,
    error_message: task.error,
    retry_count: task.retryCount,
    max_retries: task.maxRetries,
    external_task_id: task.externalTaskId,
    external_task_url: task.externalTaskUrl,
    workflow_id: task.workflowId,
    started_at: task.startedAt,
    completed_at: task.completedAt,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
}

export function workflowView(workflow: Workflow) {
  return {
    id: workflow.id,
    key: workflow.key,
    kind: workflow.kind,
    provider: workflow.provider,
    repository: workflow.repository,
    pr_number: workflow.prNumber,
    branch: workflow.branch,
    head_sha: workflow.headSha,
    title: workflow.title,
    state: workflow.state,
    event_count: workflow.eventCount,
    created_at: workflow.createdAt,
    updated_at: workflow.updatedAt,
    completed_at: workflow.completedAt,
  };
}
