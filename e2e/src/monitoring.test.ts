// The monitoring files under ops/ checked for what a running Prometheus or Grafana would otherwise show
// only by failing quietly: queries that do not parse, rules without severity or text, alerts on jobs that
// are not scraped, panels off the datasource variable or on top of each other. Whether the queries name
// metrics and labels the apps export is monitoring.int.test.ts's part, against the running apps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@hookfleet/observability';
import {
  REPO_ROOT,
  alertGroups,
  alertQueries,
  alertRules,
  dashboard,
  dashboardPanels,
  dashboardQueries,
  prometheusConfig,
} from './monitoring-assets.js';
import { selectionsOf } from './promql.js';

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = ['critical', 'warning'];

/** Labels an alert carries besides its expression's own: Prometheus's target labels, and the app's service. */
const TARGET_LABELS = ['job', 'instance', 'service'];

describe('alerts.yml', () => {
  it('holds named, unique alerts with a duration, a severity, a summary and a description', () => {
    const rules = alertRules();
    expect(alertGroups().length).toBeGreaterThan(0);
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^Hookfleet[A-Z][A-Za-z]+$/);
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(DURATION);
      expect(SEVERITIES, rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.trim(), rule.alert).toBeTruthy();
      expect(rule.annotations?.description?.trim(), rule.alert).toBeTruthy();
    }
  });

  it("templates only labels its expression groups or matches by (or a target's)", () => {
    for (const rule of alertRules()) {
      const used = new Set([...selectionsOf(rule.expr).flatMap((selection) => selection.labels), ...TARGET_LABELS]);
      const templated = Object.values(rule.annotations ?? {}).flatMap((text) =>
        [...text.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((match) => match[1]!),
      );
      expect(
        templated.filter((label) => !used.has(label)),
        rule.alert,
      ).toEqual([]);
    }
  });
});

describe('prometheus.yml', () => {
  it('loads the alert rules, and every job the rules and panels name by `job` is scraped', () => {
    const config = prometheusConfig();
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const jobs = config.scrape_configs.map((job) => job.job_name);
    const jobMatchers = [...alertQueries(), ...dashboardQueries()].flatMap((query) =>
      selectionsOf(query.expr).flatMap((selection) =>
        selection.matchers.filter((matcher) => matcher.label === 'job').map((matcher) => ({ query, matcher })),
      ),
    );
    expect(jobMatchers.length).toBeGreaterThan(0);
    for (const { query, matcher } of jobMatchers) {
      // Prometheus anchors regular expressions at both ends.
      const selects = (job: string) =>
        matcher.op === '=~' ? new RegExp(`^(?:${matcher.value})$`).test(job) : job === matcher.value;
      expect(jobs.filter(selects), query.where).not.toEqual([]);
    }
  });

  it('has the service-down alert watch every scrape job', () => {
    const jobs = prometheusConfig().scrape_configs.map((job) => job.job_name);
    const down = alertRules().filter((rule) => selectionsOf(rule.expr).some((selection) => selection.metric === 'up'));
    expect(down).toHaveLength(1);
    const [selection] = selectionsOf(down[0]!.expr);
    const matcher = selection!.matchers.find((candidate) => candidate.label === 'job');
    expect(matcher?.op).toBe('=~');
    expect(jobs.filter((job) => !new RegExp(`^(?:${matcher!.value})$`).test(job))).toEqual([]);
  });
});

describe('hookfleet.json', () => {
  it('has a Prometheus datasource variable that every panel and target uses', () => {
    const board = dashboard();
    expect(board.uid).toBe('hookfleet');
    const variable = board.templating.list.find((candidate) => candidate.type === 'datasource');
    expect(variable).toMatchObject({ query: 'prometheus' });
    const uid = `\${${variable!.name}}`;
    const panels = dashboardPanels(board);
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, `${panel.title} ${target.refId}`).toEqual({ type: 'prometheus', uid });
      }
    }
  });

  it('parses every query, each reading at least one metric', () => {
    const queries = dashboardQueries();
    for (const query of queries) expect(selectionsOf(query.expr).length, query.where).toBeGreaterThan(0);
  });

  it('gives panels unique ids and places them on the 24-column grid without overlap', () => {
    const board = dashboard();
    const all = [...board.panels, ...board.panels.flatMap((panel) => panel.panels ?? [])];
    const ids = all.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Map<string, string>();
    for (const panel of all) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${row}:${column}`;
          expect(taken.get(cell), `${panel.title} over ${taken.get(cell)}`).toBeUndefined();
          taken.set(cell, panel.title);
        }
      }
    }
  });
});

describe("README's metric table", () => {
  const TABLE_HEADER = '| metric | exported | labels | set by |';

  function readmeRows() {
    const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
    const start = lines.findIndex((line) => line.startsWith(TABLE_HEADER));
    expect(start, TABLE_HEADER).toBeGreaterThan(-1);
    const rows: string[] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line);
    }
    return rows.map((row) => {
      const [name = '', exported = '', labels = '', , what = ''] = row
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      const names = (cell: string) => [...cell.matchAll(/`([a-z_:][a-z0-9_:]*)`/g)].map((match) => match[1]!);
      return { name: names(name)[0] ?? name, exported, labels: names(labels), mentioned: names(what) };
    });
  }

  it('lists every metric Hookfleet declares, as exported, with its labels; the others with a registered replacement', () => {
    const metrics = createMetrics('readme');
    const own = Object.values(metrics)
      .filter((value) => value !== metrics.registry)
      .map((metric) => metric as unknown as { name: string; labelNames: readonly string[] });
    const registered = new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
    // A histogram's series (x_bucket, x_sum, x_count) are queried by the names of its family.
    const isRegistered = (name: string) =>
      registered.has(name.replace(/_(bucket|sum|count)$/, '')) || registered.has(name);
    const rows = readmeRows();

    const exported = rows.filter((row) => row.exported === 'yes');
    expect(exported.map((row) => row.name).sort()).toEqual(own.map((metric) => metric.name).sort());
    for (const metric of own) {
      const row = exported.find((candidate) => candidate.name === metric.name)!;
      expect(row.labels, metric.name).toEqual([...metric.labelNames]);
    }

    const notExported = rows.filter((row) => row.exported !== 'yes');
    expect(notExported.length).toBeGreaterThan(0);
    for (const row of notExported) {
      expect(row.exported, row.name).toBe('no');
      expect(isRegistered(row.name), `${row.name} is registered`).toBe(false);
      expect(row.mentioned.filter(isRegistered).length, `${row.name}: what to query instead`).toBeGreaterThan(0);
    }
  });
});
