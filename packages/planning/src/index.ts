export {
  planOptionsOf,
  recordOnly,
  type EventPlan,
  type PlanningConfig,
  type PlanOptions,
  type InstallationChange,
  type PlannableEvent,
  type PlannedTask,
} from './plan.js';
export { planEvent, planPriority } from './planners.js';
export { initialState, nextState, TERMINAL_STATES, type WorkflowSignal } from './workflow-states.js';
export { readStoredPlan, storedPlanOf } from './stored-plan.js';
export {
  MAX_ROUTING_RULES,
  matchingRule,
  routingRuleSchema,
  routingRulesSchema,
  type RoutingRule,
} from './routing-rules.js';
export { replyTargetOf, type ReplyTarget } from './reply-target.js';
export { OWN_CHECK_RUN_ID_PREFIX } from './github-planners.js';
