import type { Express } from 'express';
import {
  createBaseApp,
  errorHandler,
  notFoundHandler,
  operationalRoutes,
  requestContext,
  type HealthCheck,
} from '@hookfleet/http';
import { webhookRoutes, type WebhookRouteDeps } from './routes/webhooks.js';

export interface IngressDeps extends WebhookRouteDeps {
  checks: Record<string, HealthCheck>;
  reports: Record<string, HealthCheck>;
  isAccepting: () => boolean;
  beforeScrape: () => Promise<void>;
}

export interface IngressServers {
  /** The public app: webhooks and the probes; /metrics and /health too unless METRICS_PORT is set. */
  app: Express;
  /** With METRICS_PORT: /metrics, /health and the probes, to listen on that port. */
  metricsApp: Express | null;
}

/** The ingress Express apps, not listening: ingress.ts and tests mount them. */
export function createIngressServer(deps: IngressDeps): IngressServers {
  const { probes, diagnostics } = operationalRoutes(deps);
  const app = createBaseApp();
  // Explicit hops or addresses only (see TRUST_PROXY): req.ip must not be the client's to choose.
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestContext(deps));
  app.use(probes);
  const separate = deps.config.METRICS_PORT !== undefined;
  if (!separate) app.use(diagnostics);
  app.use(webhookRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  if (!separate) return { app, metricsApp: null };

  const metricsApp = createBaseApp();
  metricsApp.use(requestContext(deps), probes, diagnostics, notFoundHandler, errorHandler);
  return { app, metricsApp };
}
