// Every query of the Grafana dashboard and the alert rules (ops/) against what the real apps export: the
// three apps run in-process, take an accepted and a refused delivery so the counters have series, and
// are scraped; each metric a query names must be exported by some app, with every label the query uses.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { createMetrics } from '@hookfleet/observability';
import { githubExample } from './fixtures.js';
import { addDeclaredLabels, addExposition, emptyCatalogue, problemsWith, type Catalogue } from './metric-catalogue.js';
import { alertQueries, dashboardQueries } from './monitoring-assets.js';
import { selectionsOf } from './promql.js';
import { FakeAgentApi, deliver, startStack, waitFor, type Stack } from './harness.js';

/** Labels Prometheus puts on every series it scrapes. */
const TARGET_LABELS = ['job', 'instance'];

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;
const scrapes: Record<string, string> = {};

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  // METRICS_PORT as docker-compose.yml sets it: the ingress's /metrics on a port of its own.
  stack = environment.stopAtEnd(
    await startStack(environment.env, { agentApiUrl: agentApi.url, ingress: { METRICS_PORT: '0' } }),
  );

  const accepted = await deliver(stack.ingress.url, {
    event: 'pull_request',
    payload: githubExample('pull_request', 'opened'),
  });
  expect(accepted.status).toBe(202);
  const refused = await deliver(stack.ingress.url, {
    event: 'pull_request',
    payload: githubExample('pull_request', 'opened'),
    secret: 'not-the-secret',
  });
  expect(refused.status).toBe(401);
  await waitFor(async () => {
    const event = await stack.prisma.webhookEvent.findUnique({ where: { id: accepted.body.eventId as string } });
    return event?.status === 'processed' ? true : undefined;
  }, 'the accepted delivery to be processed');

  const urls = { ingress: stack.ingress.metricsUrl, worker: stack.worker.healthUrl, admin: stack.admin.url };
  for (const [app, url] of Object.entries(urls)) {
    const response = await fetch(`${url}/metrics`);
    expect(response.status, app).toBe(200);
    scrapes[app] = await response.text();
  }
});

/** Sample lines of a /metrics answer, comments and blanks left out. */
const samplesOf = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

/** The apps' metrics: names and labels from the scrapes, labels of series with no sample yet from their declarations. */
function appCatalogue(): Catalogue {
  const catalogue = emptyCatalogue();
  for (const text of Object.values(scrapes)) addExposition(catalogue, text);
  for (const metric of createMetrics('catalogue').registry.getMetricsAsArray()) {
    // prom-client keeps a metric's declared label names on the object, untyped.
    const { name, labelNames } = metric as unknown as { name: string; labelNames: readonly string[] };
    expect(Array.isArray(labelNames), name).toBe(true);
    addDeclaredLabels(catalogue, name, labelNames);
  }
  // Prometheus's own: 1 while the target answers its scrape.
  catalogue.types.set('up', 'gauge');
  catalogue.labels.set('up', new Set(TARGET_LABELS));
  return catalogue;
}

/** Label names every sample of every app carries (the apps' default labels). */
function labelsOnEverySample(): string[] {
  const perSample = Object.values(scrapes)
    .flatMap(samplesOf)
    .map((line) => new Set([...(/\{(.*)\}/.exec(line)?.[1] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)].map((m) => m[1]!)));
  return [...perSample[0]!].filter((label) => perSample.every((labels) => labels.has(label)));
}

describe('the dashboard and the alert rules', () => {
  it('read only metrics the apps export, with labels those metrics carry', () => {
    const everywhere = [...labelsOnEverySample(), ...TARGET_LABELS];
    // Dashboards and rules split by process with it.
    expect(everywhere).toContain('service');
    const catalogue = appCatalogue();
    const queries = [...dashboardQueries(), ...alertQueries()];
    expect(queries.length).toBeGreaterThan(20);
    const problems = queries.flatMap((query) =>
      selectionsOf(query.expr).flatMap((selection) =>
        problemsWith(selection, catalogue, everywhere).map((problem) => `${query.where}: ${problem}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('see the deliveries just made: accepted and refused on the ingress, processed on the worker', () => {
    const ingress = samplesOf(scrapes.ingress!);
    expect(ingress).toContainEqual(expect.stringMatching(/^webhook_events_total\{.*outcome="accepted".*\} 1$/));
    expect(ingress).toContainEqual(expect.stringMatching(/^webhook_events_total\{.*outcome="refused".*\} 1$/));
    expect(ingress).toContainEqual(expect.stringMatching(/^webhook_errors_total\{.*\} 1$/));
    expect(samplesOf(scrapes.worker!)).toContainEqual(
      expect.stringMatching(/^webhook_processing_duration_seconds_count\{.*status="processed".*\} 1$/),
    );
    expect(samplesOf(scrapes.worker!)).toContainEqual(
      expect.stringMatching(/^downstream_requests_total\{.*outcome="succeeded".*\} 1$/),
    );
  });

  it("select the webhook routes' latency by a route matcher that takes the webhook route and not the probes", () => {
    const routeMatchers = dashboardQueries().flatMap((query) =>
      selectionsOf(query.expr).flatMap((selection) =>
        selection.metric.startsWith('http_request_duration_seconds')
          ? selection.matchers.filter((matcher) => matcher.label === 'route')
          : [],
      ),
    );
    expect(routeMatchers.length).toBeGreaterThan(0);
    const routes = new Set(
      samplesOf(scrapes.ingress!).flatMap(
        (line) => /^http_request_duration_seconds_count\{.*route="([^"]*)"/.exec(line)?.slice(1) ?? [],
      ),
    );
    const webhookRoutes = [...routes].filter((route) => route.includes('webhook'));
    expect(webhookRoutes.length).toBeGreaterThan(0);
    for (const matcher of routeMatchers) {
      expect(matcher.op).toBe('=~');
      const selects = (route: string) => new RegExp(`^(?:${matcher.value})$`).test(route);
      expect(webhookRoutes.filter((route) => !selects(route))).toEqual([]);
      for (const probe of ['/health/live', '/health/ready', '/metrics', 'unmatched'])
        expect(selects(probe)).toBe(false);
    }
  });
});
