// Real GitHub payloads from @octokit/webhooks-examples.
import { createRequire } from 'node:module';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const require = createRequire(import.meta.url);
const groups = require('@octokit/webhooks-examples') as ExampleGroup[];

export function githubExample(event: string, action?: string): Record<string, unknown> {
  const group = groups.find((candidate) => candidate.name === event);
  const example = group?.examples.find((candidate) => action === undefined || candidate.action === action);
  if (!example) throw new Error(`no example for ${event}${action ? `.${action}` : ''}`);
  return structuredClone(example);
}
