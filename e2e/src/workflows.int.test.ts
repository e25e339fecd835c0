// Correlation and ordering through the running stack: a pull request's events become one workflow that
// follows the state machine, and one pull request's events are processed one at a time in delivery
// order while another pull request's run beside them.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { githubExample } from './fixtures.js';
import { FakeAgentApi, adminGet, deliver, startStack, waitFor, type Stack } from './harness.js';

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  // Several jobs at once per queue, so that only the ordering rule can keep one pull request's in line.
  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      agentApiUrl: agentApi.url,
      worker: { WORKER_CONCURRENCY: '4', WORKFLOW_ORDERING_DELAY_MS: '50' },
    }),
  );
});

const REPOSITORY = githubExample('pull_request', 'opened').repository as { full_name: string; default_branch: string };

/** A pull_request payload for PR `number` with head `sha` and a title. */
function pullRequest(action: string, number: number, sha: string, title: string, extra: Record<string, unknown> = {}) {
  const payload = githubExample('pull_request', 'opened');
  const pr = payload.pull_request as Record<string, unknown>;
  return {
    ...payload,
    action,
    number,
    pull_request: { ...pr, number, title, head: { ...(pr.head as object), sha }, ...extra },
  };
}

function check(event: 'check_run' | 'check_suite', sha: string, conclusion: string, prNumbers: number[]) {
  const payload = githubExample(event, 'completed');
  const subject = payload[event] as Record<string, unknown>;
  return {
    ...payload,
    repository: REPOSITORY,
    [event]: { ...subject, head_sha: sha, conclusion, pull_requests: prNumbers.map((number) => ({ number })) },
  };
}

interface WorkflowBody {
  id: string;
  key: string;
  kind: string;
  state: string;
  event_count: number;
  head_sha: string | null;
  completed_at: string | null;
  events: Array<{ id: string; event_type: string; status: string; sequence: number; workflow_id: string }>;
  tasks: Array<{ task_type: string; status: string; pr_number: number | null }>;
}

async function workflowOf(prNumber: number): Promise<WorkflowBody> {
  const list = await adminGet<{ data: Array<{ id: string }> }>(
    stack.admin.url,
    `/api/v1/workflows?repository=${encodeURIComponent(REPOSITORY.full_name)}&pr_number=${prNumber}`,
  );
  expect(list.body.data).toHaveLength(1);
  return (await adminGet<WorkflowBody>(stack.admin.url, `/api/v1/workflows/${list.body.data[0]!.id}`)).body;
}

async function processed(eventIds: string[]) {
  await waitFor(
    async () => {
      const rows = await stack.prisma.webhookEvent.findMany({
        where: { id: { in: eventIds } },
        select: { status: true },
      });
      return rows.length === eventIds.length && rows.every((row) => row.status === 'processed') ? true : undefined;
    },
    `${eventIds.length} events to be processed`,
    30_000,
  );
}

describe('a pull request lifecycle', () => {
  it('is one workflow from opened to merged, with checks joined by number and by head commit', async () => {
    const number = 501;
    const sha = 'a'.repeat(40);
    const sent = [
      await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: pullRequest('opened', number, sha, 'Lifecycle'),
      }),
      await deliver(stack.ingress.url, { event: 'check_run', payload: check('check_run', sha, 'failure', [number]) }),
      // A fork's suite: GitHub names no pull request, only the commit, which is this pull request's head.
      await deliver(stack.ingress.url, { event: 'check_suite', payload: check('check_suite', sha, 'failure', []) }),
    ];
    await processed(sent.map((delivery) => delivery.body.eventId as string));
    expect((await workflowOf(number)).state).toBe('checks_failed');

    const newHead = 'b'.repeat(40);
    const later = [
      await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: pullRequest('synchronize', number, newHead, 'Lifecycle'),
      }),
      await deliver(stack.ingress.url, {
        event: 'check_run',
        payload: check('check_run', newHead, 'success', [number]),
      }),
      await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: pullRequest('closed', number, newHead, 'Lifecycle', { merged: true }),
      }),
    ];
    await processed(later.map((delivery) => delivery.body.eventId as string));

    const workflow = await workflowOf(number);
    expect(workflow).toMatchObject({
      key: `github:${REPOSITORY.full_name}#${number}`,
      kind: 'pull_request',
      state: 'merged',
      event_count: 6,
      head_sha: newHead,
    });
    expect(workflow.completed_at).not.toBeNull();
    expect(workflow.events.map((event) => event.event_type)).toEqual([
      'pull_request',
      'check_run',
      'check_suite',
      'pull_request',
      'check_run',
      'pull_request',
    ]);
    expect(workflow.events.map((event) => event.id)).toEqual([...sent, ...later].map((d) => d.body.eventId));
    expect(workflow.tasks.map((task) => task.task_type).sort()).toEqual([
      'check_failure_analysis',
      'check_suite_failure_analysis',
      'pull_request_analysis',
      'pull_request_analysis',
      'review_pull_request',
      'review_pull_request',
    ]);
    expect(workflow.tasks.every((task) => task.status === 'completed' && task.pr_number === number)).toBe(true);

    // A check arriving after the merge is recorded on the workflow without reopening it.
    const late = await deliver(stack.ingress.url, {
      event: 'check_run',
      payload: check('check_run', newHead, 'failure', [number]),
    });
    await processed([late.body.eventId as string]);
    expect(await workflowOf(number)).toMatchObject({ state: 'merged', event_count: 7 });
  });
});

describe('ordering', () => {
  it('processes one pull request’s events one at a time in delivery order, and two pull requests side by side', async () => {
    // Each AgentAPI call takes a while, so that overlapping runs would be visible.
    agentApi.respond = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { status: 201, body: { id: `agent-${agentApi.requests.indexOf(request)}` } };
    };
    const pulls = { first: 601, second: 602 };
    const deliveries: Array<{ pr: number; eventId: string; title: string }> = [];
    // Interleaved, so that a queue taken strictly first-in first-out would also mix them.
    for (let round = 1; round <= 4; round++) {
      for (const pr of Object.values(pulls)) {
        const title = `PR ${pr} update ${round}`;
        const action = round === 1 ? 'opened' : 'synchronize';
        const sent = await deliver(stack.ingress.url, {
          event: 'pull_request',
          payload: pullRequest(action, pr, `${pr}${round}`.padEnd(40, '0'), title),
        });
        expect(sent.status).toBe(202);
        deliveries.push({ pr, eventId: sent.body.eventId as string, title });
      }
    }
    await processed(deliveries.map((delivery) => delivery.eventId));

    const rows = await stack.prisma.webhookEvent.findMany({
      where: { id: { in: deliveries.map((delivery) => delivery.eventId) } },
      select: { id: true, sequence: true, processingStartedAt: true, processedAt: true },
      orderBy: { sequence: 'asc' },
    });
    const spanOf = (id: string) => {
      const row = rows.find((candidate) => candidate.id === id)!;
      return { start: row.processingStartedAt!.getTime(), end: row.processedAt!.getTime() };
    };
    for (const pr of Object.values(pulls)) {
      const spans = deliveries.filter((delivery) => delivery.pr === pr).map((delivery) => spanOf(delivery.eventId));
      // Each starts after the one delivered before it has finished.
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
      // AgentAPI saw this pull request's analyses in delivery order.
      const titles = agentApi.requests
        .map((request) => request.body as { pr_number: number; input: { title: string } })
        .filter((body) => body.pr_number === pr)
        .map((body) => body.input.title);
      expect(titles).toEqual(deliveries.filter((delivery) => delivery.pr === pr).map((delivery) => delivery.title));
    }
    // ...while the two pull requests overlapped in time.
    const first = deliveries.filter((d) => d.pr === pulls.first).map((d) => spanOf(d.eventId));
    const second = deliveries.filter((d) => d.pr === pulls.second).map((d) => spanOf(d.eventId));
    const overlaps = first.some((a) => second.some((b) => a.start < b.end && b.start < a.end));
    expect(overlaps).toBe(true);
  });
});
