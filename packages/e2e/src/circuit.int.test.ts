// AgentAPI behind its circuit breaker: consecutive failures open the circuit, jobs then fail without
// calling out, and after the break one successful trial closes it again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestEnvironment } from '@hookfleet/devkit';
import { githubExample } from './fixtures.js';
import { FakeAgentApi, deliver, startStack, testEnvironment, waitFor, type Stack } from './harness.js';

const THRESHOLD = 3;
const HALF_OPEN_AFTER_MS = 1500;

let environment: TestEnvironment;
let agentApi: FakeAgentApi;
let stack: Stack;

beforeAll(async () => {
  environment = await testEnvironment();
  agentApi = await new FakeAgentApi().start();
  stack = await startStack(environment.env, {
    agentApiUrl: agentApi.url,
    worker: {
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: String(THRESHOLD),
      CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS),
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await agentApi?.stop();
  await environment?.cleanup();
});

async function circuit(): Promise<string> {
  const health = (await (await fetch(`${stack.worker.healthUrl}/health`)).json()) as {
    details: { circuits: { agentapi: string } };
  };
  return health.details.circuits.agentapi;
}

async function executions(eventId: string) {
  return stack.prisma.taskExecution.findMany({ where: { task: { eventId } }, orderBy: { startedAt: 'asc' } });
}

it(
  'opens after consecutive failures, fails fast while open, and closes after a good trial',
  { timeout: 30_000 },
  async () => {
    expect(await circuit()).toBe('closed');
    agentApi.respond = () => ({ status: 500, body: { error: 'down' } });

    // JOB_MAX_RETRIES=2 in tests: three attempts, three failures, the circuit opens.
    const first = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    await waitFor(
      async () => ((await executions(first.body.eventId as string)).length === THRESHOLD ? true : undefined),
      'three failed attempts',
    );
    await waitFor(async () => ((await circuit()) === 'open' ? true : undefined), 'the circuit to open');
    expect(agentApi.requests).toHaveLength(THRESHOLD);
    const metrics = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/downstream_circuit_state\{[^}]*downstream="agentapi"[^}]*\} 1/);

    // While open: the next job's attempt fails without a request, as retryable.
    agentApi.respond = () => ({ status: 201, body: { id: 'agent-back' } });
    const second = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    const secondId = second.body.eventId as string;
    const blocked = await waitFor(
      async () => (await executions(secondId)).find((execution) => execution.status === 'failed'),
      'a blocked attempt',
    );
    expect(blocked.error).toMatch(/circuit open for agentapi/);
    expect(agentApi.requests).toHaveLength(THRESHOLD);

    // After the break, the retry is the trial: it succeeds and closes the circuit.
    await waitFor(
      async () => {
        const event = await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: secondId } });
        return event.status === 'processed' ? event : undefined;
      },
      'the blocked event to be processed after the break',
      HALF_OPEN_AFTER_MS * 6,
    );
    expect(agentApi.requests).toHaveLength(THRESHOLD + 1);
    expect(await circuit()).toBe('closed');
  },
);
