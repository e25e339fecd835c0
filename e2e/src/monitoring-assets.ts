// The monitoring files under ops/ as the tests read them: the Grafana dashboard's panels, the alert rules
// and Prometheus's scrape config, with every PromQL query they hold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARD_FILE = 'ops/grafana/dashboards/hookfleet.json';
export const ALERTS_FILE = 'ops/prometheus/alerts.yml';
export const PROMETHEUS_FILE = 'ops/prometheus/prometheus.yml';

const readRepoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

export interface Query {
  /** Where it is written, for failure messages. */
  where: string;
  expr: string;
}

export interface DataSourceRef {
  type?: string;
  uid?: string;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DataSourceRef;
  targets?: Array<{ refId: string; expr?: string; datasource?: DataSourceRef; legendFormat?: string }>;
  /** A collapsed row holds its panels; an open row's follow it. */
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string }> };
}

export const dashboard = () => JSON.parse(readRepoFile(DASHBOARD_FILE)) as Dashboard;

/** Every panel, rows' own panels included, rows left out. */
export function dashboardPanels(board = dashboard()): Panel[] {
  return board.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

/**
 * Grafana's interval variables, stood in by a duration so the query parses as Prometheus will receive it.
 * Any other variable fails: the checks could not say what it stands for.
 */
const INTERVAL_VARIABLES = /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

export function dashboardQueries(board = dashboard()): Query[] {
  return dashboardPanels(board).flatMap((panel) =>
    (panel.targets ?? []).map((target) => {
      const where = `${DASHBOARD_FILE} panel "${panel.title}" target ${target.refId}`;
      const expr = (target.expr ?? '').replace(INTERVAL_VARIABLES, '5m');
      if (expr.includes('$')) throw new Error(`${where}: a Grafana variable the checks cannot stand in for: ${expr}`);
      return { where, expr };
    }),
  );
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const alertGroups = () =>
  (parse(readRepoFile(ALERTS_FILE)) as { groups: Array<{ name: string; rules: AlertRule[] }> }).groups;

export const alertRules = () => alertGroups().flatMap((group) => group.rules);

export const alertQueries = (): Query[] =>
  alertRules().map((rule) => ({ where: `${ALERTS_FILE} ${rule.alert ?? rule.record}`, expr: rule.expr }));

export interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: Array<{ names: string[]; type?: string; port?: number }>;
}
export interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

export const prometheusConfig = () => parse(readRepoFile(PROMETHEUS_FILE)) as PrometheusConfig;

/** Each host and port a scrape job reaches: static targets and DNS names with their port. */
export function scrapeTargets(config = prometheusConfig()): Array<{ job: string; host: string; port: number }> {
  return config.scrape_configs.flatMap((job) => [
    ...(job.static_configs ?? []).flatMap(({ targets }) =>
      targets.map((target) => {
        const [host, port] = target.split(':');
        return { job: job.job_name, host: host!, port: Number(port) };
      }),
    ),
    ...(job.dns_sd_configs ?? []).flatMap((dns) =>
      dns.names.map((host) => ({ job: job.job_name, host, port: Number(dns.port) })),
    ),
  ]);
}
