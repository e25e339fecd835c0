import { githubProvider } from './github.js';
import { gitlabProvider } from './gitlab.js';
import { linearProvider } from './linear.js';
import { PROVIDER_NAMES, type Provider, type ProviderName } from './provider.js';
import { slackProvider } from './slack.js';
import { standardWebhooksProvider } from './standard-webhooks.js';

/** Every provider by name; the Record type makes a missing provider a compile error. */
export const PROVIDERS: Record<ProviderName, Provider> = Object.freeze({
  github: githubProvider,
  gitlab: gitlabProvider,
  slack: slackProvider,
  linear: linearProvider,
  standard: standardWebhooksProvider,
});

/** The provider for a name from a URL or a database row; undefined for anything else, "constructor" included. */
export function providerByName(name: string): Provider | undefined {
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? PROVIDERS[name as ProviderName] : undefined;
}
