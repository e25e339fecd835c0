// /health (every dependency, 503 when one is down), /health/live (the process answers),
// /health/ready (dependencies up and the app willing to take work), /metrics (Prometheus).
import { Router } from 'express';
import type { Metrics } from '@hookfleet/observability';

/** Resolves when the dependency answers; rejects (with a reason) when it does not. */
export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(
  check: HealthCheck,
): Promise<{ status: 'healthy' | 'unhealthy'; duration_ms: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'healthy', duration_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'unhealthy',
      duration_ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(options: {
  checks: Record<string, HealthCheck>;
  metrics: Metrics;
  /** False while the app starts or drains: readiness fails so that traffic moves elsewhere. */
  isAccepting?: () => boolean;
  /** Extra state to show in /health without failing it (e.g. circuit breakers). */
  details?: () => Record<string, unknown>;
  /** Refreshes gauges that are read from elsewhere (queue depths) just before a scrape. */
  beforeScrape?: () => Promise<void>;
}): Router {
  const router = Router();
  const startedAt = Date.now();

  const evaluate = async () => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runCheck(options.checks[name]!)));
    const components = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const healthy = results.every((result) => result.status === 'healthy');
    return { healthy, components };
  };

  router.get('/health', async (_req, res) => {
    const { healthy, components } = await evaluate();
    res.status(healthy ? 200 : 503).json({
      status: healthy ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      uptime: (Date.now() - startedAt) / 1000,
      components,
      ...(options.details ? { details: options.details() } : {}),
    });
  });
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/health/ready', async (_req, res) => {
    const accepting = options.isAccepting?.() ?? true;
    const { healthy, components } = await evaluate();
    const ready = accepting && healthy;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', accepting, components });
  });
  router.get('/metrics', async (_req, res) => {
    await options.beforeScrape?.();
    res.setHeader('Content-Type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  return router;
}
