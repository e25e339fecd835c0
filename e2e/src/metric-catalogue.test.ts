import { describe, expect, it } from 'vitest';
import { addDeclaredLabels, addExposition, emptyCatalogue, problemsWith } from './metric-catalogue.js';
import { selectionsOf } from './promql.js';

const EXPOSITION = `# HELP webhook_events_total Webhook deliveries answered
# TYPE webhook_events_total counter
webhook_events_total{provider="github",source="x, y=\\"}\\"",event_type="push",outcome="accepted",service="ingress"} 1

# HELP webhook_processing_duration_seconds Receipt to finished
# TYPE webhook_processing_duration_seconds histogram
webhook_processing_duration_seconds_bucket{le="0.05",queue="default",provider="github",status="processed",service="worker"} 0
webhook_processing_duration_seconds_sum{queue="default",provider="github",status="processed",service="worker"} 0.2
webhook_processing_duration_seconds_count{queue="default",provider="github",status="processed",service="worker"} 1

# HELP webhook_queue_depth Jobs per queue and state
# TYPE webhook_queue_depth gauge
`;

function problemsOf(query: string): string[] {
  const catalogue = emptyCatalogue();
  addExposition(catalogue, EXPOSITION);
  addDeclaredLabels(catalogue, 'webhook_queue_depth', ['queue', 'state']);
  return selectionsOf(query).flatMap((selection) => problemsWith(selection, catalogue, ['job', 'instance']));
}

describe('problemsWith', () => {
  it('passes names, labels seen on samples, declared labels and le on buckets', () => {
    expect(
      problemsOf(
        'sum by (outcome, service, job) (rate(webhook_events_total{source!=""}[5m])) ' +
          '+ on () histogram_quantile(0.5, sum by (le, queue) (rate(webhook_processing_duration_seconds_bucket[5m]))) ' +
          '+ on () sum(rate(webhook_processing_duration_seconds_count[5m])) + on () max by (queue, state) (webhook_queue_depth)',
      ),
    ).toEqual([]);
  });

  it('fails a misspelled metric name', () => {
    expect(problemsOf('sum(rate(webhook_event_total[5m]))')).toEqual(['webhook_event_total is exported by no app']);
  });

  it('fails a label the metric does not carry, in a matcher or a grouping', () => {
    expect(problemsOf('sum by (queue) (rate(webhook_events_total{status="x"}[5m]))')).toEqual([
      'webhook_events_total has no label status, queue',
    ]);
    expect(problemsOf('sum by (le) (rate(webhook_processing_duration_seconds_sum[5m]))')).toEqual([
      'webhook_processing_duration_seconds_sum has no label le',
    ]);
  });

  it("fails a histogram's bare name, a counter read without rate and a gauge read with one", () => {
    expect(problemsOf('webhook_processing_duration_seconds')).toEqual([
      'webhook_processing_duration_seconds is a histogram: query webhook_processing_duration_seconds_bucket, _sum or _count',
    ]);
    expect(problemsOf('sum(webhook_events_total)')).toEqual([
      'webhook_events_total is cumulative: read it with rate, irate or increase, not as is',
    ]);
    expect(problemsOf('delta(webhook_events_total[5m])')).toEqual([
      'webhook_events_total is cumulative: read it with rate, irate or increase, not delta',
    ]);
    expect(problemsOf('rate(webhook_queue_depth[5m])')).toEqual([
      'webhook_queue_depth is a gauge: rate is for counters',
    ]);
  });
});
