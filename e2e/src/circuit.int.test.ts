// AgentAPI behind its circuit breaker: consecutive failures open the circuit, jobs then fail without
// calling out, and after the break one successful trial closes it again.
import { beforeAll, expect, it } from 'vitest';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { githubExample } from './fixtures.js';
import { FakeAgentApi, deliver, startStack, waitFor, type Stack } from './harness.js';

const THRESHOLD = 3;
const HALF_OPEN_AFTER_MS = 1500;

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      agentApiUrl: agentApi.url,
      worker: {
        CIRCUIT_BREAKER_FAILURE_THRESHOLD: String(THRESHOLD),
        CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS),
      },
    }),
  );
});

interface WorkerHealth {
  status: string;
  components: { downstreams: { status: string; details: { circuits: { agentapi: string } } } };
}

async function workerHealth(): Promise<{ code: number; body: WorkerHealth }> {
  const response = await fetch(`${stack.worker.healthUrl}/health`);
  return { code: response.status, body: (await response.json()) as WorkerHealth };
}

async function circuit(): Promise<string> {
  return (await workerHealth()).body.components.downstreams.details.circuits.agentapi;
}

async function executions(eventId: string) {
  return stack.prisma.taskExecution.findMany({ where: { task: { eventId } }, orderBy: { startedAt: 'asc' } });
}

it(
  'opens after consecutive failures, fails fast while open, and closes after a good trial',
  { timeout: 30_000 },
  async () => {
    expect(await workerHealth()).toMatchObject({ code: 200, body: { status: 'healthy' } });
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
    // The event is marked dead (and counted) just after its third execution is recorded: wait for the count.
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
      return /webhook_dlq_entries_total\{/.test(text) ? text : undefined;
    }, 'the dead-letter count');
    expect(metrics).toMatch(/downstream_circuit_state\{[^}]*downstream="agentapi"[^}]*\} 1/);
    expect(metrics).toMatch(/downstream_requests_total\{[^}]*downstream="agentapi",outcome="failed"[^}]*\} 3/);
    expect(metrics).toMatch(/webhook_retry_attempts_total\{[^}]*attempt="1",reason="http_5xx"[^}]*\} 1/);
    expect(metrics).toMatch(/webhook_dlq_entries_total\{[^}]*reason="http_5xx"[^}]*\} 1/);
    // An open circuit degrades the worker (it works, but a downstream's tasks wait): 200, not 503.
    expect(await workerHealth()).toMatchObject({
      code: 200,
      body: { status: 'degraded', components: { downstreams: { status: 'degraded' } } },
    });

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
    // Counted once the run has written the attempt's outcome, a moment after its execution row.
    await expect
      .poll(async () => (await fetch(`${stack.worker.healthUrl}/metrics`)).text())
      .toMatch(/webhook_retry_attempts_total\{[^}]*reason="circuit_open"[^}]*\} 1/);

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
    expect(await workerHealth()).toMatchObject({
      code: 200,
      body: { status: 'healthy', components: { downstreams: { details: { circuits: { agentapi: 'closed' } } } } },
    });
  },
);
