// Default payloads: the first real GitHub example of an event (and action) from @octokit/webhooks-examples.
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';

const require = createRequire(import.meta.url);

export function githubExample(event: string, action?: string): Record<string, unknown> {
  const groups = require('@octokit/webhooks-examples') as WebhookDefinition[];
  const group = groups.find((candidate) => candidate.name === event);
  const examples = (group?.examples ?? []) as unknown as Array<Record<string, unknown>>;
  const example = examples.find((candidate) => action === undefined || candidate.action === action);
  if (!example) {
    const known = group ? `; actions with examples: ${[...new Set(examples.map((e) => e.action))].join(', ')}` : '';
    throw new Error(`no @octokit/webhooks-examples example for ${event}${action ? `.${action}` : ''}${known}`);
  }
  return example;
}
