export * from './plan.js';
export * from './planners.js';
export * from './workflow-states.js';
export * from './stored-plan.js';
