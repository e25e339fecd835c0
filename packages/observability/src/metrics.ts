// Every Prometheus metric Hookfleet exports, named once. Each app instance gets its own registry so
// that several apps (or tests) in one process do not share counters. Label values are bounded: names of
// providers, sources, queues, event and task types, codes and outcomes, never ids or repositories.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const metrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Webhook deliveries answered, by provider, source and outcome: accepted, duplicate, refused (4xx), failed (5xx); event_type is empty unless accepted or duplicate',
      labelNames: ['provider', 'source', 'event_type', 'outcome'] as const,
      registers,
    }),
    webhookEventsReceived: new Counter({
      name: 'webhook_events_received_total',
      help: 'Webhook deliveries accepted and stored, by provider, source, event type and queue',
      labelNames: ['provider', 'source', 'event_type', 'queue'] as const,
      registers,
    }),
    enqueueDeferred: new Counter({
      name: 'webhook_enqueue_deferred_total',
      help: 'Deliveries stored and acknowledged while Redis was unreachable; the reconciler queues them',
      labelNames: ['provider'] as const,
      registers,
    }),
    webhookErrors: new Counter({
      name: 'webhook_errors_total',
      help: 'Webhook requests refused, by provider, source and error code',
      labelNames: ['provider', 'source', 'code'] as const,
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
      help: 'Event job attempts finished, by queue, provider, event type and outcome (processed, failed, dead)',
      labelNames: ['queue', 'provider', 'event_type', 'status'] as const,
      registers,
    }),
    eventProcessingDuration: new Histogram({
      name: 'webhook_event_processing_duration_seconds',
      help: 'Time a worker spent on one event job attempt',
      labelNames: ['queue', 'event_type', 'status'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    processingDuration: new Histogram({
      name: 'webhook_processing_duration_seconds',
      help: 'From a delivery’s receipt to its event finishing (processed or dead), retries and waits included',
      labelNames: ['queue', 'provider', 'status'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    retryAttempts: new Counter({
      name: 'webhook_retry_attempts_total',
      help: 'Event job attempts that failed and will be tried again, by queue, attempt number (1 to 4, then 5+) and reason',
      labelNames: ['queue', 'attempt', 'reason'] as const,
      registers,
    }),
    workflowTasks: new Counter({
      name: 'workflow_tasks_total',
      help: 'Workflow tasks created, by task type',
      labelNames: ['task_type'] as const,
      registers,
    }),
    taskExecutions: new Counter({
      name: 'task_executions_total',
      help: 'Workflow task attempts finished, by task type and outcome (completed, submitted, failed)',
      labelNames: ['task_type', 'status'] as const,
      registers,
    }),
    workflowTaskRetries: new Counter({
      name: 'workflow_task_retries_total',
      help: 'Workflow task attempts that failed and will be tried again, by task type and reason',
      labelNames: ['task_type', 'reason'] as const,
      registers,
    }),
    codegenAgentTasks: new Counter({
      name: 'codegen_agent_tasks_total',
      help: 'Tasks handed to a coding agent (AgentAPI, MAS or Codegen), by downstream and outcome (submitted, failed)',
      labelNames: ['downstream', 'status'] as const,
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
      help: 'Events that exhausted their attempts (or failed permanently) and moved to the dead-letter queue',
      labelNames: ['queue', 'event_type', 'reason'] as const,
      registers,
    }),
    dlqRetries: new Counter({
      name: 'webhook_dlq_retries_total',
      help: 'Dead letters an operator sent back to their queue (admin), by outcome: queued, refused (4xx), failed',
      labelNames: ['status'] as const,
      registers,
    }),
    dlqDepth: new Gauge({
      name: 'webhook_dlq_depth',
      help: 'Jobs in each queue’s failed set (the dead-letter queue), read at scrape time',
      labelNames: ['queue'] as const,
      registers,
    }),
    circuitState: new Gauge({
      name: 'downstream_circuit_state',
      help: 'Circuit breaker per downstream: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['downstream'] as const,
      registers,
    }),
    downstreamRequests: new Counter({
      name: 'downstream_requests_total',
      help: 'Calls through a downstream’s circuit by outcome: succeeded, failed, not_called (circuit open)',
      labelNames: ['downstream', 'outcome'] as const,
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
      help: 'Age of the oldest event not yet processed or dead, per queue, read at scrape time',
      labelNames: ['queue'] as const,
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
    githubApiRateLimitLimit: new Gauge({
      name: 'github_api_rate_limit_limit',
      help: 'GitHub’s x-ratelimit-limit on the last answer: the requests allowed in the current window',
      registers,
    }),
    githubApiRateLimitReset: new Gauge({
      name: 'github_api_rate_limit_reset_timestamp_seconds',
      help: 'GitHub’s x-ratelimit-reset on the last answer: when the current rate-limit window ends (Unix seconds)',
      registers,
    }),
    githubReports: new Counter({
      name: 'github_reports_total',
      help: 'Reports on a pull request’s head commit, by phase (started, ended), via (check_run, commit_status) and outcome (sent, failed); a failed one is logged and does not fail its task',
      labelNames: ['phase', 'via', 'outcome'] as const,
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
    scrapeRefreshErrors: new Counter({
      name: 'metrics_refresh_errors_total',
      help: 'Gauges read from elsewhere at scrape time (queue depths, event ages) that could not be read in time; the scrape still answers, with their last values',
      labelNames: ['source'] as const,
      registers,
    }),
    healthChecks: new Counter({
      name: 'webhook_health_checks_total',
      help: 'Health checks run, by component and result (healthy, degraded, unhealthy)',
      labelNames: ['component', 'status'] as const,
      registers,
    }),
    healthCheckDuration: new Histogram({
      name: 'webhook_health_check_duration_seconds',
      help: 'Time a component took to answer its health check',
      labelNames: ['component'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2],
      registers,
    }),
    /**
     * The Postgres pool, read at scrape time (refreshOperationalGauges in @hookfleet/events): connections lent
     * out, requests waiting for one (the pool is exhausted while this stays above 0) and the pool's size.
     */
    databaseConnectionsActive: new Gauge({
      name: 'database_connections_active',
      help: 'Postgres connections in use by this process',
      registers,
    }),
    databaseConnectionsWaiting: new Gauge({
      name: 'database_connections_waiting',
      help: 'Queries waiting for a free Postgres connection in this process',
      registers,
    }),
    databaseConnectionsMax: new Gauge({
      name: 'database_connections_max',
      help: 'Size of this process’s Postgres pool (DATABASE_POOL_MAX)',
      registers,
    }),
  };
  // prom-client starts an unlabelled gauge at 0; a rate limit read as 0 before GitHub ever answered would
  // look exhausted (and page), so these have no sample until the first answer sets them.
  metrics.githubApiRateLimitRemaining.remove();
  metrics.githubApiRateLimitLimit.remove();
  metrics.githubApiRateLimitReset.remove();
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
