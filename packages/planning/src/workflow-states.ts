// The workflow state machine: which signal an event sends its workflow, and where that takes it.
// A signal that does not apply to the current state (a check result on a merged pull request) leaves it.

// The states and kinds themselves are the schema's enums (prisma/schema.prisma), defined once there.
import type { WorkflowKind, WorkflowState } from '@hookfleet/db';

export type { WorkflowKind, WorkflowState };

/** What an event tells its workflow; TRANSITIONS says where each takes it. */
export const WORKFLOW_SIGNALS = [
  'opened',
  'reopened',
  'updated',
  'checks_failed',
  'checks_passed',
  'changes_requested',
  'approved',
  'merged',
  'closed',
  'pushed',
  'branch_deleted',
] as const;
export type WorkflowSignal = (typeof WORKFLOW_SIGNALS)[number];

/**
 * slack_thread and linear_issue workflows hold a person's requests to the bot in order (one at a time per
 * thread or issue); no signal moves them, so they stay `active`.
 */
export const WORKFLOW_KINDS = [
  'pull_request',
  'branch',
  'commit',
  'slack_thread',
  'linear_issue',
] as const satisfies readonly WorkflowKind[];

/** The states of a pull request that is still open. */
const OPEN_PULL_REQUEST: readonly WorkflowState[] = [
  'open',
  'checks_failed',
  'checks_passed',
  'changes_requested',
  'approved',
];

const TRANSITIONS: Record<WorkflowSignal, { to: WorkflowState; from: readonly WorkflowState[] }> = {
  opened: { to: 'open', from: OPEN_PULL_REQUEST },
  reopened: { to: 'open', from: ['closed'] },
  // New commits: earlier check results and reviews no longer describe the head.
  updated: { to: 'open', from: OPEN_PULL_REQUEST },
  // One failing check marks the head failing until new commits arrive; a later passing check does not clear it.
  checks_failed: { to: 'checks_failed', from: [...OPEN_PULL_REQUEST, 'active'] },
  checks_passed: { to: 'checks_passed', from: ['open', 'active'] },
  changes_requested: { to: 'changes_requested', from: OPEN_PULL_REQUEST },
  approved: { to: 'approved', from: OPEN_PULL_REQUEST },
  merged: { to: 'merged', from: OPEN_PULL_REQUEST },
  closed: { to: 'closed', from: OPEN_PULL_REQUEST },
  pushed: { to: 'active', from: ['active', 'closed'] },
  branch_deleted: { to: 'closed', from: ['active', 'checks_failed', 'checks_passed'] },
};

export const TERMINAL_STATES: ReadonlySet<WorkflowState> = new Set(['merged', 'closed']);

export function initialState(kind: WorkflowKind): WorkflowState {
  return kind === 'pull_request' ? 'open' : 'active';
}

/** The state after `signal`; the same state when the signal does not apply. */
export function nextState(current: WorkflowState, signal: WorkflowSignal | null): WorkflowState {
  if (!signal) return current;
  const transition = TRANSITIONS[signal];
  return transition.from.includes(current) ? transition.to : current;
}
