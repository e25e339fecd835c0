import type { Latency } from './measurement.js';

/** p50, p99 and max of a set of durations (ms); null for none. */
export function latencyOf(durationsMs: number[]): Latency | null {
  if (durationsMs.length === 0) return null;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}
