// A circuit breaker per downstream (cockatiel): after N consecutive retryable failures the circuit opens
// and jobs fail at once, without calling out, as retryable with a Retry-After of the break; after the
// break one trial call decides between closing and opening again. Permanent (4xx) answers do not count:
// they say the request is wrong, not that the downstream is down.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Logger, Metrics } from '@hookfleet/observability';
import { CircuitOpenError } from './errors.js';

export type CircuitStateName = 'closed' | 'open' | 'half_open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

export interface DownstreamCircuit {
  run<T>(call: () => Promise<T>): Promise<T>;
  state(): CircuitStateName;
}

export function createDownstreamCircuit(options: {
  downstream: string;
  failureThreshold: number;
  halfOpenAfterMs: number;
  /** Which errors say the downstream is unwell. */
  countsAsFailure: (error: Error) => boolean;
  metrics: Metrics;
  logger: Logger;
}): DownstreamCircuit {
  const breaker = circuitBreaker(handleWhen(options.countsAsFailure), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.failureThreshold),
  });
  const labels = { downstream: options.downstream };
  options.metrics.circuitState.set(labels, CircuitState.Closed);
  breaker.onStateChange((state) => {
    options.metrics.circuitState.set(labels, state);
    options.logger.warn('circuit state changed', { downstream: options.downstream, state: STATE_NAMES[state] });
  });
  return {
    async run(call) {
      try {
        const result = await breaker.execute(call);
        options.metrics.downstreamRequests.inc({ ...labels, outcome: 'succeeded' });
        return result;
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          options.metrics.downstreamRequests.inc({ ...labels, outcome: 'not_called' });
          throw new CircuitOpenError(`circuit open for ${options.downstream}: not called`, options.halfOpenAfterMs);
        }
        options.metrics.downstreamRequests.inc({ ...labels, outcome: 'failed' });
        throw error;
      }
    },
    state: () => STATE_NAMES[breaker.state],
  };
}
