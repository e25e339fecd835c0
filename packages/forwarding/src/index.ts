export {
  checkForwardTarget,
  checkForwardUrl,
  createGuardedAgents,
  refusedRangeOf,
  ForwardTargetRefusedError,
  type ForwardNetworkPolicy,
  type ForwardUrlCheck,
  type GuardedAgents,
  type ResolveHostname,
} from './ssrf.js';
export {
  forwardEvent,
  forwardMessageId,
  FORWARD_USER_AGENT,
  type ForwardOutcome,
  type ForwardRequest,
} from './forward.js';
