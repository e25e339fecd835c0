export { createGithubClient, type GithubClient, type GithubCredentials } from './client.js';
export {
  GithubCredentialsError,
  githubCredentialsConfigShape,
  githubCredentialsOf,
  type GithubCredentialsConfig,
} from './config.js';
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
export { checkGithubApi, describeGithubError, type GithubApiHealth } from './check-github-api.js';
