// Every Prometheus metric Hookfleet exports, named once. Each app instance gets its own registry so
// that several apps (or tests) in one process do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    webhookEventsReceived: new Counter({
      name: 'webhook_events_received_total',
      help: 'Webhook deliveries accepted and stored, by provider, event type and queue',
      labelNames: ['provider', 'event_type', 'queue'] as const,
      registers,
    }),
    enqueueDeferred: new Counter({
      name: 'webhook_enqueue_deferred_total',
      help: 'Deliveries stored and acknowledged while Redis was unreachable; the reconciler queues them',
      labelNames: ['provider'] as const,
      registers,
    }),
    webhookDuplicates: new Counter({
      name: 'webhook_duplicates_total',
      help: 'Redeliveries answered as duplicates (same key, same body)',
      labelNames: ['provider'] as const,
      registers,
    }),
    webhookErrors: new Counter({
      name: 'webhook_errors_total',
      help: 'Webhook requests rejected, by provider and error code',
      labelNames: ['provider', 'code'] as const,
      registers,
    }),
    secretMatches: new Counter({
      name: 'webhook_secret_matches_total',
      help: 'Verified deliveries by the secret that matched: current, or previous (still inside its rotation window)',
      labelNames: ['provider', 'source', 'secret'] as const,
      registers,
    }),
    payloadValidations: new Counter({
      name: 'webhook_payload_validations_total',
      help: 'Payload validation verdicts by provider, event type and verdict (valid, invalid)',
      labelNames: ['provider', 'event_type', 'verdict'] as const,
      registers,
    }),
    eventsProcessed: new Counter({
      name: 'webhook_events_processed_total',
      help: 'Event job attempts finished, by queue, event type and outcome (processed, failed, dead)',
      labelNames: ['queue', 'event_type', 'status'] as const,
      registers,
    }),
    eventProcessingDuration: new Histogram({
      name: 'webhook_event_processing_duration_seconds',
      help: 'Time a worker spent on one event job attempt',
      labelNames: ['queue', 'event_type', 'status'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    workflowTasks: new Counter({
      name: 'workflow_tasks_total',
      help: 'Workflow task attempts finished, by task type and outcome',
      labelNames: ['task_type', 'status'] as const,
      registers,
    }),
    workflowTaskDuration: new Histogram({
      name: 'workflow_task_duration_seconds',
      help: 'Workflow task attempt duration',
      labelNames: ['task_type', 'status'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    dlqEntries: new Counter({
      name: 'webhook_dlq_entries_total',
      help: 'Events that exhausted their attempts and moved to the dead-letter queue',
      labelNames: ['queue', 'event_type'] as const,
      registers,
    }),
    circuitState: new Gauge({
      name: 'downstream_circuit_state',
      help: 'Circuit breaker per downstream: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['downstream'] as const,
      registers,
    }),
    orderingWaits: new Counter({
      name: 'workflow_ordering_waits_total',
      help: 'Event jobs put back because an earlier event of the same workflow was unfinished',
      labelNames: ['queue'] as const,
      registers,
    }),
    outageWaits: new Counter({
      name: 'worker_outage_waits_total',
      help: 'Jobs handed back without using an attempt because a dependency was unreachable',
      labelNames: ['queue', 'dependency'] as const,
      registers,
    }),
    sideEffects: new Counter({
      name: 'side_effects_total',
      help: 'Calls to the outside world by kind: performed, skipped (already done by an earlier run) or failed',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    unexpectedErrors: new Counter({
      name: 'unexpected_errors_total',
      help: 'Errors nothing anticipated: a request answered 500, or a job failed by an exception from our code',
      labelNames: ['kind'] as const,
      registers,
    }),
    reconcilerRuns: new Counter({
      name: 'reconciler_runs_total',
      help: 'Reconciler runs finished (admin)',
      registers,
    }),
    reconcilerEvents: new Counter({
      name: 'reconciler_events_total',
      help: 'Events the reconciler acted on: queued (never queued), requeued (job lost), marked_dead (job failed)',
      labelNames: ['action'] as const,
      registers,
    }),
    oldestUnfinishedEventAge: new Gauge({
      name: 'oldest_unfinished_event_age_seconds',
      help: 'Age of the oldest event not yet processed or dead, read at scrape time (admin)',
      registers,
    }),
    githubApiRequests: new Counter({
      name: 'github_api_requests_total',
      help: 'Requests to GitHub’s REST API by endpoint and HTTP status (0: no answer)',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    githubApiRateLimitRemaining: new Gauge({
      name: 'github_api_rate_limit_remaining',
      help: 'GitHub’s x-ratelimit-remaining on the last answer',
      registers,
    }),
    githubRecovery: new Counter({
      name: 'github_recovery_deliveries_total',
      help: 'Missed-delivery recovery outcomes: missing (failed at GitHub, not stored), redelivered, expired, given_up',
      labelNames: ['outcome'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'webhook_queue_depth',
      help: 'Jobs per queue and state, read from BullMQ at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
