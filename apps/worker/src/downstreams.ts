// The downstream services a worker calls, each configured by env and each behind its own circuit
// breaker. An unconfigured downstream is null: its tasks are recorded, not sent.
import type { Logger, Metrics } from '@hookfleet/observability';
import { createAgentApiClient, type AgentApiClient } from './agentapi-client.js';
import type { WorkerConfig } from './config.js';
import { createDownstreamCircuit, type CircuitStateName, type DownstreamCircuit } from './downstream-circuit.js';
import { createCodegenClient, type CodegenClient } from './integrations/codegen.js';
import { createLinearClient, type LinearClient } from './integrations/linear.js';
import { createMasClient, type MasClient } from './integrations/mas.js';
import { createSlackNotifier, type SlackNotifier } from './integrations/slack.js';
import { createSlackBotClient, type SlackBotClient } from './integrations/slack-web-api.js';
import { isPermanent } from './errors.js';

export interface Downstreams {
  agentapi: AgentApiClient | null;
  mas: { client: MasClient; callbackUrl: string } | null;
  codegen: CodegenClient | null;
  linear: LinearClient | null;
  slack: SlackNotifier | null;
  /** Slack's Web API as the bot (SLACK_BOT_TOKEN): answers in the thread a request came from. */
  slackBot: SlackBotClient | null;
  /**
   * A circuit of its own for a downstream called through another client (GitHub's, by the back-channel):
   * opened after the same run of consecutive failures, and shown in /health with the others.
   */
  circuitFor(downstream: string, countsAsFailure: (error: Error) => boolean): DownstreamCircuit;
  /** For /health. */
  circuitStates(): Record<string, CircuitStateName>;
}

/** The same client with every method run through the circuit. */
function guarded<Client extends object>(client: Client, circuit: DownstreamCircuit): Client {
  const entries = Object.entries(client).map(([name, method]) => [
    name,
    typeof method === 'function'
      ? (...args: unknown[]) => circuit.run(() => (method as (...a: unknown[]) => Promise<unknown>)(...args))
      : method,
  ]);
  return Object.fromEntries(entries) as Client;
}

export function connectDownstreams(config: WorkerConfig, deps: { metrics: Metrics; logger: Logger }): Downstreams {
  const circuits = new Map<string, DownstreamCircuit>();
  const circuitFor = (downstream: string, countsAsFailure: (error: Error) => boolean) => {
    const circuit = createDownstreamCircuit({
      downstream,
      failureThreshold: config.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
      halfOpenAfterMs: config.CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS,
      countsAsFailure,
      ...deps,
    });
    circuits.set(downstream, circuit);
    return circuit;
  };
  const behindCircuit = <Client extends object>(downstream: string, client: Client): Client =>
    guarded(
      client,
      circuitFor(downstream, (error) => !isPermanent(error)),
    );
  const timeoutMs = config.DOWNSTREAM_TIMEOUT_MS;

  return {
    agentapi: config.AGENTAPI_BASE_URL
      ? behindCircuit(
          'agentapi',
          createAgentApiClient({
            baseUrl: config.AGENTAPI_BASE_URL,
            apiKey: config.AGENTAPI_API_KEY,
            timeoutMs: config.AGENTAPI_TIMEOUT_MS,
          }),
        )
      : null,
    mas:
      config.MAS_BASE_URL && config.MAS_CALLBACK_URL
        ? {
            client: behindCircuit(
              'mas',
              createMasClient({ baseUrl: config.MAS_BASE_URL, apiKey: config.MAS_API_KEY, timeoutMs }),
            ),
            callbackUrl: config.MAS_CALLBACK_URL,
          }
        : null,
    codegen:
      config.CODEGEN_BASE_URL && config.CODEGEN_TOKEN && config.CODEGEN_ORG_ID
        ? behindCircuit(
            'codegen',
            createCodegenClient({
              baseUrl: config.CODEGEN_BASE_URL,
              token: config.CODEGEN_TOKEN,
              orgId: config.CODEGEN_ORG_ID,
              timeoutMs,
            }),
          )
        : null,
    linear: config.LINEAR_API_KEY
      ? behindCircuit(
          'linear',
          createLinearClient({ apiUrl: config.LINEAR_API_URL, apiKey: config.LINEAR_API_KEY, timeoutMs }),
        )
      : null,
    slack: config.SLACK_WEBHOOK_URL
      ? behindCircuit('slack', createSlackNotifier({ webhookUrl: config.SLACK_WEBHOOK_URL, timeoutMs }))
      : null,
    slackBot: config.SLACK_BOT_TOKEN
      ? behindCircuit(
          'slack_api',
          createSlackBotClient({ apiUrl: config.SLACK_API_URL, token: config.SLACK_BOT_TOKEN, timeoutMs }),
        )
      : null,
    circuitFor,
    circuitStates: () => Object.fromEntries([...circuits].map(([name, circuit]) => [name, circuit.state()])),
  };
}
