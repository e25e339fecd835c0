import { githubProvider } from './github.js';
import { gitlabProvider } from './gitlab.js';
import { linearProvider } from './linear.js';
import { PROVIDER_NAMES, type Provider, type ProviderName } from './provider.js';
import { slackProvider } from './slack.js';
import { standardWebhooksProvider } from './standard-webhooks.js';

/** Providers written in code; 'generic' is built per source from its settings (createGenericProvider). */
export type CodeProviderName = Exclude<ProviderName, 'generic'>;

/** Every code provider by name; the Record type makes a missing provider a compile error. */
export const PROVIDERS: Record<CodeProviderName, Provider> = Object.freeze({
  github: githubProvider,
  gitlab: gitlabProvider,
  slack: slackProvider,
  linear: linearProvider,
  standard: standardWebhooksProvider,
});

/** Whether a name from a URL or a database row is a provider's; false for anything else, "constructor" included. */
export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}
