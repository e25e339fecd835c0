import { describe, expect, it } from 'vitest';
import { selectionsOf } from './promql.js';

describe('selectionsOf', () => {
  it('finds each selector under functions, aggregations, numbers, strings and durations', () => {
    expect(
      selectionsOf(
        'histogram_quantile(0.95, sum by (queue, le) (rate(webhook_processing_duration_seconds_bucket{status!="dead"}[5m])))',
      ),
    ).toEqual([
      {
        metric: 'webhook_processing_duration_seconds_bucket',
        matchers: [{ label: 'status', op: '!=', value: 'dead' }],
        labels: ['status', 'queue', 'le'],
        rangeFunction: 'rate',
      },
    ]);
  });

  it('keeps a misspelled metric name as written', () => {
    expect(selectionsOf('sum(rate(webhook_event_total[5m]))').map((selection) => selection.metric)).toEqual([
      'webhook_event_total',
    ]);
  });

  it('needs on() and by() labels on both sides of a binary operation, and none from the keywords', () => {
    const selections = selectionsOf(
      'sum by (queue) (rate(a_total{outcome=~"failed|dead"}[10m] offset 5m)) / on (queue) group_left sum without (state) (b) > 0.05 and bool 1',
    );
    expect(selections.map(({ metric, labels }) => [metric, labels])).toEqual([
      ['a_total', ['outcome', 'queue']],
      ['b', ['queue', 'state']],
    ]);
    expect(selections[0]!.matchers).toEqual([{ label: 'outcome', op: '=~', value: 'failed|dead' }]);
  });

  it('names the range function, through subqueries and offsets, and none for an instant selector', () => {
    expect(selectionsOf('max by (queue) (delta(webhook_dlq_depth[15m:1m]))')[0]!.rangeFunction).toBe('delta');
    expect(selectionsOf('increase(x_total[1h] offset 1d)')[0]!.rangeFunction).toBe('increase');
    expect(selectionsOf('abs(x) or vector(0)')).toEqual([{ metric: 'x', matchers: [], labels: [] }]);
  });

  it('reads a name given as __name__', () => {
    expect(selectionsOf('{__name__="up", job="hookfleet-admin"} == 0')).toEqual([
      { metric: 'up', matchers: [{ label: 'job', op: '=', value: 'hookfleet-admin' }], labels: ['job'] },
    ]);
  });

  it('throws on a syntax error, a misspelled function included', () => {
    expect(() => selectionsOf('rat(x_total[5m])')).toThrow(/syntax error/);
    expect(() => selectionsOf('sum(x{a="b"}')).toThrow(/syntax error/);
    expect(() => selectionsOf('{job="x"}')).toThrow(/without a metric name/);
  });
});
