// /health (every component with its status, timing and details), /health/live (the process answers),
// /health/ready (the dependencies it cannot work without answer, and the app takes work), /metrics.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Router } from 'express';
import type { Metrics } from '@hookfleet/observability';

export type ComponentStatus = 'healthy' | 'degraded' | 'unhealthy';

/**
 * Resolves when the component answers, optionally with details and `degraded` (working, but an operator
 * should look); rejects (with a reason) when it does not answer, which makes it unhealthy.
 */
export type HealthCheck = () => Promise<void | { status?: 'healthy' | 'degraded'; details?: Record<string, unknown> }>;

export interface ComponentReport {
  status: ComponentStatus;
  duration_ms: number;
  details?: Record<string, unknown>;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(name: string, check: HealthCheck, metrics: Metrics): Promise<ComponentReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let report: ComponentReport;
  try {
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    report = {
      status: result?.status ?? 'healthy',
      duration_ms: Math.round(performance.now() - started),
      ...(result?.details ? { details: result.details } : {}),
    };
  } catch (error) {
    report = {
      status: 'unhealthy',
      duration_ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
  metrics.healthChecks.inc({ component: name, status: report.status });
  metrics.healthCheckDuration.observe({ component: name }, report.duration_ms / 1000);
  return report;
}

/** The worst of the components' states: one unhealthy component makes the whole unhealthy. */
function overallStatus(reports: ComponentReport[]): ComponentStatus {
  if (reports.some((report) => report.status === 'unhealthy')) return 'unhealthy';
  return reports.some((report) => report.status === 'degraded') ? 'degraded' : 'healthy';
}

/** This process's runtime: memory, event-loop delay (the Node counterpart of a blocked scheduler), uptime. */
function runtimeCheck(): HealthCheck {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  return async () => {
    const memory = process.memoryUsage();
    const megabytes = (bytes: number) => Math.round(bytes / 1048576);
    const details = {
      uptime_seconds: Math.round(process.uptime()),
      memory_rss_mb: megabytes(memory.rss),
      memory_heap_used_mb: megabytes(memory.heapUsed),
      event_loop_delay_p99_ms: Math.round(loopDelay.percentile(99) / 1e6),
    };
    loopDelay.reset();
    return { details };
  };
}

export interface HealthOptions {
  /** What the app cannot work without (Postgres, Redis): unhealthy -> /health and /health/ready 503. */
  checks: Record<string, HealthCheck>;
  /** What /health reports beside them (queue depths, circuits, the worker runtime); these may be degraded. */
  reports?: Record<string, HealthCheck>;
  metrics: Metrics;
  /** False while the app starts or drains: readiness fails so that traffic moves elsewhere. */
  isAccepting?: () => boolean;
  /** Refreshes gauges that are read from elsewhere (queue depths) just before a scrape. */
  beforeScrape?: () => Promise<void>;
}

/**
 * Two routers: the probes (live and ready, which a load balancer may need on the public port) and the
 * diagnostics (/health in full and /metrics), which an app may serve on a port of its own.
 */
export function operationalRoutes(options: HealthOptions): { probes: Router; diagnostics: Router } {
  const startedAt = Date.now();
  const reported = { runtime: runtimeCheck(), ...options.reports };

  const evaluate = async (checks: Record<string, HealthCheck>) => {
    const names = Object.keys(checks);
    const reports = await Promise.all(names.map((name) => runCheck(name, checks[name]!, options.metrics)));
    return {
      status: overallStatus(reports),
      components: Object.fromEntries(names.map((name, i) => [name, reports[i]])),
    };
  };

  const probes = Router();
  probes.get('/health/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  probes.get('/health/ready', async (_req, res) => {
    const accepting = options.isAccepting?.() ?? true;
    const { status, components } = await evaluate(options.checks);
    const ready = accepting && status !== 'unhealthy';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', accepting, components });
  });

  const diagnostics = Router();
  // Degraded still answers 200: the app works, and a probe restarting it would not help.
  diagnostics.get('/health', async (_req, res) => {
    const { status, components } = await evaluate({ ...options.checks, ...reported });
    res.status(status === 'unhealthy' ? 503 : 200).json({
      status,
      timestamp: new Date().toISOString(),
      uptime: (Date.now() - startedAt) / 1000,
      components,
    });
  });
  diagnostics.get('/metrics', async (_req, res) => {
    await options.beforeScrape?.();
    res.setHeader('Content-Type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  return { probes, diagnostics };
}

/** Probes and diagnostics on one port. */
export function healthRoutes(options: HealthOptions): Router {
  const { probes, diagnostics } = operationalRoutes(options);
  return Router().use(probes, diagnostics);
}
