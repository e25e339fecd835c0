import type { Express } from 'express';
import {
  createBaseApp,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  requestContext,
  type HealthCheck,
} from '@hookfleet/http';
import { webhookRoutes, type WebhookRouteDeps } from './routes/webhooks.js';

export interface IngressDeps extends WebhookRouteDeps {
  checks: Record<string, HealthCheck>;
  isAccepting: () => boolean;
}

/** The ingress Express app, not listening: main.ts and tests mount it. */
export function createIngressServer(deps: IngressDeps): Express {
  const app = createBaseApp();
  // Explicit hops or addresses only (see TRUST_PROXY): req.ip must not be the client's to choose.
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestContext(deps));
  app.use(healthRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
