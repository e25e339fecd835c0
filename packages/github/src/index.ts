export { createGithubClient, type GithubClient, type GithubCredentials } from './client.js';
export {
  MAX_REDELIVERY_REQUESTS,
  REDELIVERY_WINDOW_MS,
  parseHookRef,
  recoverMissedDeliveries,
  recoveryEndpointOf,
  type HookRef,
  type RecoveryDeps,
  type RecoveryResult,
  type RedeliveryLedger,
} from './recover-missed-deliveries.js';
