export { recordOnly, type EventPlan, type InstallationChange, type PlannableEvent, type PlannedTask } from './plan.js';
export { planEvent, planPriority } from './planners.js';
export { initialState, nextState, TERMINAL_STATES, type WorkflowSignal } from './workflow-states.js';
export { storedPlanOf } from './stored-plan.js';
export { OWN_CHECK_RUN_ID_PREFIX } from './github-planners.js';
