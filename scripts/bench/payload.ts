// The delivery the benchmark sends: a real GitHub pull_request "opened" payload from
// @octokit/webhooks-examples, brought to ~7 KB of compact JSON (GitHub sends it without whitespace).
import { createRequire } from 'node:module';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

/** The size the benchmark is about; the result lands within a line's length above it. */
const TARGET_BYTES = 7 * 1024;
export const PAYLOAD_BYTES_RANGE = [7000, 7500] as const;

/** Only e2e/ depends on the examples package, so it is resolved from there (as its fixtures do). */
function pullRequestOpenedExample(): Record<string, unknown> {
  const require = createRequire(new URL('../../e2e/package.json', import.meta.url));
  const groups = require('@octokit/webhooks-examples') as ExampleGroup[];
  const example = groups
    .find((group) => group.name === 'pull_request')
    ?.examples.find((candidate) => candidate.action === 'opened');
  if (!example) throw new Error('@octokit/webhooks-examples has no pull_request.opened example');
  return structuredClone(example);
}

/**
 * The example is ~21 KB, most of it the REST API's hypermedia URLs (`*_url`, `_links`) repeated in every
 * copy of the repository and user objects. Dropping those (but keeping html_url and avatar_url) leaves
 * every field a consumer acts on, at ~5.5 KB.
 */
function withoutApiUrls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutApiUrls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '_links' && !(key.endsWith('_url') && key !== 'html_url' && key !== 'avatar_url'))
      .map(([key, child]) => [key, withoutApiUrls(child)]),
  );
}

const CHANGES = [
  'Verify the webhook signature before the body is parsed',
  'Store each delivery once, keyed by its delivery id',
  'Answer 202 only after the job is queued — a 503 makes GitHub redeliver',
  'Retry failed jobs with exponential backoff',
  'Log one line per request with the correlation id',
  'Expose queue depths on /metrics',
];

/** A PR description (real ones run to a few KB) fills the rest, so the size comes from content, not padding. */
export function pullRequestOpenedBody(): string {
  const payload = withoutApiUrls(pullRequestOpenedExample()) as { pull_request: { body: string | null } };
  const lines = ['## Summary', '', 'Makes webhook ingestion durable end to end.', '', '## Changes', ''];
  let body = '';
  for (let i = 0; Buffer.byteLength(body) < TARGET_BYTES; i++) {
    lines.push(`- ${CHANGES[i % CHANGES.length]!} (\`src/ingest/step-${i + 1}.ts\`)`);
    payload.pull_request.body = lines.join('\r\n');
    body = JSON.stringify(payload);
  }
  const bytes = Buffer.byteLength(body);
  if (bytes < PAYLOAD_BYTES_RANGE[0] || bytes > PAYLOAD_BYTES_RANGE[1]) {
    throw new Error(`payload is ${bytes} bytes, outside ${PAYLOAD_BYTES_RANGE.join('-')}`);
  }
  return body;
}
