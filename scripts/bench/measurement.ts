// One row of the results: what a target did, in its own unit, and what its processes used.
import type autocannon from 'autocannon';
import type { ProcessFigures, WindowFigures } from './process-stats.js';

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface Measurement {
  /** 'A node:http', 'C info', 'E1'...: what the ratios refer to. */
  key: string;
  label: string;
  unit: 'req/s' | 'txn/s' | 'events/s';
  rate: number;
  latencyMs: Latency | null;
  errors: number;
  /** What the errors were ("65 x 500"). */
  errorDetail: string | null;
  processes: ProcessFigures[];
  /** Cores the benchmark's own process used (autocannon; the downstreams for E). */
  benchCpu: number | null;
  restCpu: number | null;
  notes: string[];
}

/** A measured HTTP window: autocannon's figures and the processes'. */
export function httpMeasurement(
  key: string,
  label: string,
  result: autocannon.Result,
  window: WindowFigures,
): Measurement {
  const others = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => code !== '202');
  const answers = others.map(([code, { count }]) => `${count ?? 0} x ${code}`);
  if (result.errors > 0) answers.push(`${result.errors} x no answer (${result.timeouts} timeouts)`);
  return {
    key,
    label,
    unit: 'req/s',
    rate: result.requests.mean,
    // No answer at all: autocannon reports zeros, which would read as instant answers.
    latencyMs:
      result.requests.total > 0 ? { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max } : null,
    errors: result.non2xx + result.errors,
    errorDetail: answers.length > 0 ? answers.join(', ') : null,
    processes: window.processes,
    benchCpu: window.benchCpu,
    restCpu: window.restCpu,
    notes: [],
  };
}
