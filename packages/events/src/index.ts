export {
  FAILED_EVENT_STATUSES,
  failedStatus,
  FINISHED_EVENT_STATUSES,
  isStatusIn,
  PROCESSED_EVENT_STATUSES,
  TASK_RETRYABLE_EVENT_STATUSES,
  UNFINISHED_EVENT_STATUSES,
} from './statuses.js';
export { dispatchEvent, planStoredEvent, planToFollow, retryOverridesFor, type DispatchDeps } from './dispatch.js';
export { isStranded, requeueFinishedEvent, requeueNamedJob } from './requeue.js';
export { earliestUnfinishedBefore, type Blocker } from './ordering.js';
export { asOwner, recordEventProcessed, startRun, SupersededRunError, type RunOwner } from './run-ownership.js';
export { markDeadAfterFailedJob, reconcileEvents, type ReconcileResult } from './reconcile.js';
export { oldestUnfinishedAgeSeconds } from './unfinished-age.js';
export { refreshOperationalGauges } from './operational-gauges.js';
