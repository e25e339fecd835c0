// The printed results: one table of every target, the delivery checks, the admin list at each table size,
// and the ratios the ingress performance work is judged by.
import os from 'node:os';
import { describeCheck, type DeliveryCheck } from './delivery-check.js';
import type { Measurement } from './measurement.js';
import { sizeLabel, type GrowthStep } from './targets/growth.js';

export interface BenchReport {
  measurements: Measurement[];
  checks: Array<{ label: string; check: DeliveryCheck }>;
  growth: GrowthStep[];
  failures: Array<{ target: string; message: string }>;
}

const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const milliseconds = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const percent = (cores: number | null) => (cores === null ? 'n/a' : `${Math.round(cores * 100)}%`);
const megabytes = (bytes: number | null) =>
  bytes === null || !Number.isFinite(bytes) ? 'n/a' : `${Math.round(bytes / 1024 / 1024)} MB`;
const times = (ratio: number) =>
  Number.isFinite(ratio)
    ? `${ratio >= 10 ? ratio.toFixed(1) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toFixed(3)}x`
    : 'n/a';

/** autocannon is one JS thread: near a full core, it, not the server, sets the pace. */
const loadgenBound = (m: Measurement) => m.unit === 'req/s' && (m.benchCpu ?? 0) >= 0.9;
/** The A baselines touch neither Postgres nor Redis: CPU used by anything else there is other work. */
const disturbed = (m: Measurement) => m.key.startsWith('A ') && (m.restCpu ?? 0) > 0.2;

/** Columns padded to their widest cell; the first two left-aligned, the rest right-aligned. */
function textTable(header: string[], rows: string[][], leftColumns = 2): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
}

/** Every measured target; a target with several processes takes one line per process. */
export function resultsTable(report: BenchReport): string[] {
  const all = [...report.measurements, ...report.growth.map((step) => step.ingress)];
  const rows = all.flatMap((m) => {
    const processes = m.processes.length > 0 ? m.processes : [{ name: '-', cpuCores: null, peakRssBytes: null }];
    return processes.map((figures, i) => {
      const processCells = [figures.name, percent(figures.cpuCores), megabytes(figures.peakRssBytes)];
      if (i > 0) return ['', '', '', '', '', '', '', '', ...processCells, '', ''];
      return [
        m.key,
        m.label,
        `${loadgenBound(m) ? '*' : ''}${integer(m.rate)}`,
        m.unit,
        m.latencyMs ? milliseconds(m.latencyMs.p50) : '-',
        m.latencyMs ? milliseconds(m.latencyMs.p99) : '-',
        m.latencyMs ? milliseconds(m.latencyMs.max) : '-',
        integer(m.errors),
        ...processCells,
        percent(m.benchCpu),
        percent(m.restCpu),
      ];
    });
  });
  const header = ['key', 'target', 'rate', 'unit', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'process', 'CPU'];
  return [
    ...textTable([...header, 'peak RSS', 'bench CPU', 'rest CPU'], rows),
    `CPU in % of one core (${os.cpus().length} on this machine) over the measured window. bench: this process ` +
      '(autocannon; the downstreams for E); rest: everything else (Postgres, Redis, any other work).',
    "peak RSS: the process's high-water mark over its life. Every Node process here runs TypeScript through tsx, " +
      'which adds about 40 MB to it.',
    ...(all.some(loadgenBound)
      ? ['* autocannon used most of a core: the server may have more in it; read its rate as a floor']
      : []),
    ...all
      .filter(disturbed)
      .map(
        (m) =>
          `WARNING: ${m.key} touches neither Postgres nor Redis, yet ${percent(m.restCpu)} of a core went elsewhere: ` +
          'other work ran during it, so its figures are low.',
      ),
    ...all.flatMap((m) => [
      ...(m.errorDetail ? [`${m.key}: errors: ${m.errorDetail}`] : []),
      ...m.notes.map((note) => `${m.key}: ${note}`),
    ]),
  ];
}

export function growthTable(report: BenchReport): string[] {
  if (report.growth.length === 0) return [];
  const sizes = report.growth.map((step) => sizeLabel(step.rows));
  const filters = report.growth[0]!.admin.map((figure) => figure.filter);
  const rows = filters.map((filter) => [
    filter,
    ...report.growth.flatMap((step) => {
      const figure = step.admin.find((candidate) => candidate.filter === filter);
      return figure
        ? [
            `${milliseconds(figure.latencyMs.p50)} / ${milliseconds(figure.latencyMs.p99)} / ${milliseconds(figure.latencyMs.max)}`,
            `${figure.totalIsFloor ? 'over ' : ''}${integer(figure.total)}`,
          ]
        : ['n/a', 'n/a'];
    }),
  ]);
  const header = [
    'GET /api/v1/events',
    ...sizes.flatMap((size) => [`@${size} p50 / p99 / max ms`, `matching @${size}`]),
  ];
  return [
    ...textTable(header, rows, 1),
    `${report.growth[0]!.admin[0]?.calls ?? 0} timed calls per filter and size, one at a time (below 100 calls, ` +
      'p99 is the slowest call); admin process: ' +
      report.growth
        .map(
          (step) =>
            `@${sizeLabel(step.rows)} CPU ${percent(step.adminProcess.cpuCores)}, peak RSS ${megabytes(step.adminProcess.peakRssBytes)}`,
        )
        .join('; '),
  ];
}

export function checkLines(report: BenchReport): string[] {
  return report.checks.flatMap(({ label, check }) => describeCheck(label, check));
}

/** The ratios the performance issue asks for; `n/a` names the target that did not run. */
export function ratioLines(report: BenchReport): string[] {
  const find = (key: string) => report.measurements.find((m) => m.key === key);
  const ratio = (a: string, b: string) => {
    const [top, bottom] = [find(a), find(b)];
    return top && bottom
      ? times(top.rate / bottom.rate)
      : `n/a (${[top ? null : a, bottom ? null : b].filter(Boolean).join(', ')} not run)`;
  };
  const p99 = (key: string) => {
    const latency = find(key)?.latencyMs;
    return latency ? `${milliseconds(latency.p99)} ms` : 'n/a';
  };
  const alsoAtWarn = (key: string) =>
    find('C warn') && find(key) ? ` (at LOG_LEVEL=warn: ${ratio('C warn', key)})` : '';
  const lines = [
    `C/L    Hookfleet ingress vs the leanest durable ingest: ${ratio('C info', 'L')}${alsoAtWarn('L')}`,
    `C/B    Hookfleet ingress vs the naive pipeline: ${ratio('C info', 'B')}${alsoAtWarn('B')}`,
    `C p99  ${p99('C info')} at LOG_LEVEL=info, ${p99('C warn')} at warn (L ${p99('L')}, B ${p99('B')})`,
    `C(info)/C(warn)  ${ratio('C info', 'C warn')}`,
    `C(traced)/C(info)  ${ratio('C traced', 'C info')}: tracing on (exported to a local OTLP sink) vs off (p99 ${p99('C traced')} vs ${p99('C info')})`,
    `G/C    a generic source (Stripe preset) vs the built-in GitHub source, both at info: ${ratio('G stripe', 'C info')} (p99 ${p99('G stripe')} vs ${p99('C info')})`,
    `E1/P   one Hookfleet worker process vs Postgres alone: ${ratio('E1', 'P')}`,
    `E2/E1  two worker processes vs one: ${ratio('E2', 'E1')}`,
    `E/D    one Hookfleet worker process vs a no-op BullMQ worker: ${ratio('E1', 'D')}`,
  ];
  const [small, large] = [report.growth[0], report.growth[report.growth.length - 1]];
  if (small && large && small !== large) {
    const [s, l] = [sizeLabel(small.rows), sizeLabel(large.rows)];
    lines.push(
      `C@${l} vs C@${s}  ${times(large.ingress.rate / small.ingress.rate)} ` +
        `(${integer(large.ingress.rate)} vs ${integer(small.ingress.rate)} req/s, ` +
        `p99 ${milliseconds(large.ingress.latencyMs?.p99 ?? NaN)} vs ${milliseconds(small.ingress.latencyMs?.p99 ?? NaN)} ms)`,
    );
  } else {
    lines.push('C@large vs C@10k  n/a (F not run, or only one table size)');
  }
  if (large) {
    lines.push(
      `admin list p99 @${sizeLabel(large.rows)}: ` +
        large.admin.map((figure) => `${figure.filter} ${milliseconds(figure.latencyMs.p99)} ms`).join(', '),
    );
  }
  lines.push('peak RSS per process:');
  const all = [...report.measurements, ...report.growth.map((step) => step.ingress)];
  for (const m of all) {
    lines.push(
      `  ${m.key.padEnd(12)} ${m.processes.map((p) => `${p.name} ${megabytes(p.peakRssBytes)}`).join(', ') || 'n/a'}`,
    );
  }
  for (const step of report.growth) {
    lines.push(`  ${`F admin@${sizeLabel(step.rows)}`.padEnd(12)} admin ${megabytes(step.adminProcess.peakRssBytes)}`);
  }
  return lines;
}

export function failureLines(report: BenchReport): string[] {
  return report.failures.map((failure) => `FAILED ${failure.target}: ${failure.message}`);
}
