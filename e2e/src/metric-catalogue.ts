// The metrics some apps export, read from their /metrics text (and, for labels of series with no sample
// yet, from the label names their metrics declare), and the checks of a PromQL selection against them.
import type { Selection } from './promql.js';

export interface Catalogue {
  /** Metric family name → its `# TYPE` (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  /** Series name (a histogram's x_bucket, x_sum and x_count apart) → label names seen on it or declared. */
  labels: Map<string, Set<string>>;
}

export const emptyCatalogue = (): Catalogue => ({ types: new Map(), labels: new Map() });

const HISTOGRAM_SERIES = { _bucket: ['le'], _sum: [], _count: [] } as const;
const SUMMARY_SERIES = { '': ['quantile'], _sum: [], _count: [] } as const;

/** The series a family's samples are named by, each with the labels its type adds. */
function seriesOf(family: string, type: string): Array<[string, readonly string[]]> {
  const suffixes: Record<string, readonly string[]> =
    type === 'histogram' ? HISTOGRAM_SERIES : type === 'summary' ? SUMMARY_SERIES : { '': [] };
  return Object.entries(suffixes).map(([suffix, labels]) => [`${family}${suffix}`, labels]);
}

function labelsOf(catalogue: Catalogue, series: string): Set<string> {
  let labels = catalogue.labels.get(series);
  if (!labels) catalogue.labels.set(series, (labels = new Set()));
  return labels;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g;

/** Adds one /metrics answer (Prometheus text format 0.0.4): every family its TYPE lines name, every label seen. */
export function addExposition(catalogue: Catalogue, text: string): void {
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      catalogue.types.set(type[1]!, type[2]!);
      for (const [series, labels] of seriesOf(type[1]!, type[2]!)) {
        for (const label of labels) labelsOf(catalogue, series).add(label);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || line.startsWith('#')) continue;
    const labels = labelsOf(catalogue, sample[1]!);
    for (const [, label] of (sample[2] ?? '').matchAll(LABEL_PAIR)) labels.add(label!);
  }
}

/** Adds the label names a family declares, for its series that had no sample to show them. */
export function addDeclaredLabels(catalogue: Catalogue, family: string, labelNames: readonly string[]): void {
  const type = catalogue.types.get(family);
  if (!type) return;
  for (const [series] of seriesOf(family, type)) {
    for (const label of labelNames) labelsOf(catalogue, series).add(label);
  }
}

/** The family a series name belongs to: itself, or the histogram or summary it is the _bucket/_sum/_count of. */
function familyOf(catalogue: Catalogue, series: string): { family: string; type: string } | undefined {
  const own = catalogue.types.get(series);
  if (own && own !== 'histogram') return { family: series, type: own };
  const [, base, suffix] = /^(.+)(_bucket|_sum|_count)$/.exec(series) ?? [];
  const type = base ? catalogue.types.get(base) : undefined;
  if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return { family: base!, type: type! };
  return undefined;
}

/** Functions whose answer from a counter means something: they allow for its resets. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

/**
 * What is wrong with a query's use of a series: a name no app exports, a label it does not carry (beyond
 * `everywhere`, the labels every series has), a counter read without rate/irate/increase or a gauge with one.
 */
export function problemsWith(selection: Selection, catalogue: Catalogue, everywhere: readonly string[]): string[] {
  const { metric } = selection;
  const found = familyOf(catalogue, metric);
  if (!found) {
    return catalogue.types.get(metric) === 'histogram'
      ? [`${metric} is a histogram: query ${metric}_bucket, _sum or _count`]
      : [`${metric} is exported by no app`];
  }
  const problems: string[] = [];
  const known = new Set([...(catalogue.labels.get(metric) ?? []), ...everywhere]);
  const missing = selection.labels.filter((label) => !known.has(label));
  if (missing.length > 0) problems.push(`${metric} has no label ${missing.join(', ')}`);
  const cumulative = found.type === 'counter' || found.family !== metric;
  const countsRate = COUNTER_FUNCTIONS.has(selection.rangeFunction ?? '');
  if (cumulative && !countsRate) {
    problems.push(
      `${metric} is cumulative: read it with rate, irate or increase, not ${selection.rangeFunction ?? 'as is'}`,
    );
  }
  if (!cumulative && countsRate)
    problems.push(`${metric} is a ${found.type}: ${selection.rangeFunction} is for counters`);
  return problems;
}
