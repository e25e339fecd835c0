// What the other packages and apps use of the queue contract; the rest stays inside.
export {
  EVENT_JOB_NAME,
  eventJobDataSchema,
  eventJobId,
  FORWARD_JOB_NAME,
  forwardJobDataSchema,
  forwardJobId,
  isJobNamed,
  jobTraceCarrier,
  OPERATIONS_JOB_OPTIONS,
  OPERATIONS_QUEUE,
  parseEventJobId,
  QUEUE_NAMES,
  queueNameOf,
  TASK_TYPE_NAMES,
  TASK_TYPES,
  type EventJobData,
  type EventQueueJobData,
  type ForwardJobData,
  type QueueName,
  type TaskType,
} from './catalog.js';
export { createRedisConnection, waitUntilReady } from './connections.js';
export {
  closeEventQueues,
  createEventQueues,
  defaultJobOptions,
  enqueueEvent,
  enqueueEvents,
  enqueueForward,
  isJobMissing,
  queueDepths,
  type EnqueueEvent,
  type EventQueues,
} from './queues.js';
export { openAppRuntime, retryPolicyOf, type AppRuntime, type Clients } from './clients.js';
export {
  applyRetryOverrides,
  backoffDelay,
  hasRetryAfter,
  isPastMaxElapsed,
  isRetryableHttpStatus,
  mergeRetryOverrides,
  parseRetryAfter,
  RetryableError,
  retryOverridesSchema,
  type RetryOverrides,
  type RetryPolicy,
} from './retry.js';
export { queueConfigSchema, type QueueConfig, type TaskRetryPolicies } from './config.js';
export { poolUse, queueReport } from './operational-state.js';
