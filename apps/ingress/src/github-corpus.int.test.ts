// GitHub's published example payloads (@octokit/webhooks-examples) through the running ingress: each,
// signed, is accepted, stored with its event, action, repository and sender, and routed per the table;
// each with one byte changed is refused with 401 and writes nothing.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, expect, it } from 'vitest';
import { startTestIngress } from '../test-support/start-test-ingress.js';
import type { RunningIngress } from './ingress.js';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}
const groups = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];
const SECRET = 'corpus-secret';

const environment = useTestEnvironment();
let prisma: PrismaClient;
let ingress: RunningIngress;

beforeAll(async () => {
  prisma = environment.prisma;
  ingress = environment.stopAtEnd(
    await startTestIngress(environment.env, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      // The corpus has hundreds of examples per repository.
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '0',
    }),
  );
});

/** The routing table, written out independently of the code under test (the bot mention is "@hookfleet"). */
function expectedQueue(event: string, payload: Record<string, unknown>): string {
  const action = String(payload.action);
  const failing = ['failure', 'timed_out', 'cancelled', 'action_required'];
  switch (event) {
    case 'pull_request':
      return ['opened', 'synchronize', 'reopened', 'ready_for_review'].includes(action) ? 'validation' : 'workflow';
    case 'push': {
      const repository = payload.repository as { default_branch?: string } | undefined;
      if (!String(payload.ref).startsWith('refs/heads/')) return 'default';
      return payload.ref === `refs/heads/${repository?.default_branch}` && !payload.deleted ? 'deployment' : 'workflow';
    }
    case 'check_run':
    case 'check_suite': {
      const conclusion = (payload[event] as { conclusion?: string } | undefined)?.conclusion;
      return action === 'completed' && failing.includes(String(conclusion)) ? 'recovery' : 'workflow';
    }
    case 'issue_comment': {
      const issue = payload.issue as { pull_request?: unknown } | undefined;
      const body = (payload.comment as { body?: string } | undefined)?.body ?? '';
      const mentioned = action === 'created' && body.toLowerCase().includes('@hookfleet');
      return issue?.pull_request || mentioned ? 'workflow' : 'default';
    }
    case 'pull_request_review':
    case 'pull_request_review_comment':
    case 'pull_request_review_thread':
    case 'status':
    case 'workflow_run':
      return 'workflow';
    default:
      return 'default';
  }
}

const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

async function send(event: string, deliveryId: string, body: string, signature: string) {
  const response = await fetch(`${ingress.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '1',
      'x-hub-signature-256': signature,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** One ASCII byte changed to another ASCII byte, so the body stays valid UTF-8 and only the signature can catch it. */
function mutate(body: string, seed: number): string {
  const index = seed % body.length;
  const code = body.charCodeAt(index);
  const replacement = code === 0x61 ? 'b' : 'a';
  return body.slice(0, index) + replacement + body.slice(index + 1);
}

it('accepts, stores and routes every example, and refuses every one-byte mutant', { timeout: 300_000 }, async () => {
  let accepted = 0;
  let refused = 0;
  let n = 0;
  for (const group of groups) {
    for (const payload of group.examples) {
      n++;
      const body = JSON.stringify(payload);
      const deliveryId = `corpus-${n}`;

      const mutant = mutate(body, n * 7919);
      const forged = await send(group.name, `${deliveryId}-mutant`, mutant, sign(body));
      expect(forged.status, `${group.name} #${n} mutant`).toBe(401);
      refused++;

      const answer = await send(group.name, deliveryId, body, sign(body));
      expect(answer.status, `${group.name} #${n}: ${JSON.stringify(answer.body)}`).toBe(202);
      const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: answer.body.eventId as string } });
      const repository = payload.repository as { full_name?: string } | undefined;
      const sender = payload.sender as { login?: string } | undefined;
      expect(row, `${group.name} #${n}`).toMatchObject({
        eventType: group.name,
        action: typeof payload.action === 'string' ? payload.action : null,
        repository: repository?.full_name ?? null,
        sender: sender?.login ?? null,
        queue: expectedQueue(group.name, payload),
      });
      accepted++;
    }
  }
  // Mutants wrote nothing: one row per accepted example, none under a mutant's delivery id.
  expect(await prisma.webhookEvent.count()).toBe(accepted);
  expect(await prisma.webhookEvent.count({ where: { deliveryId: { endsWith: '-mutant' } } })).toBe(0);
  expect(accepted).toBeGreaterThan(300);
  console.log(`github corpus: ${accepted} examples accepted, ${refused} one-byte mutants refused with 401`);
});
