export {
  planOptionsOf,
  recordOnly,
  type PlanningConfig,
  type EventPlan,
  type InstallationChange,
  type PlannableEvent,
  type PlannedTask,
} from './plan.js';
export { planEvent, planPriority } from './planners.js';
export { initialState, nextState, TERMINAL_STATES, type WorkflowSignal } from './workflow-states.js';
export { storedPlanOf } from './stored-plan.js';
export { replyTargetOf, type ReplyTarget } from './reply-target.js';
