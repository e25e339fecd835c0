import type { Express } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import {
  createBaseApp,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  requestContext,
  type HealthCheck,
} from '@hookfleet/http';
import type { Logger, Metrics } from '@hookfleet/observability';
import type { EventQueues } from '@hookfleet/queue';
import type { IngressConfig } from './config.js';
import { githubWebhookRoutes } from './routes/github-webhook.js';

export interface IngressDeps {
  config: IngressConfig;
  prisma: PrismaClient;
  queues: EventQueues;
  logger: Logger;
  metrics: Metrics;
  checks: Record<string, HealthCheck>;
  isAccepting: () => boolean;
}

/** The ingress Express app, not listening: main.ts and tests mount it. */
export function createIngressServer(deps: IngressDeps): Express {
  const app = createBaseApp();
  app.use(requestContext(deps));
  app.use(healthRoutes(deps));
  app.use(
    githubWebhookRoutes({
      ...deps,
      secret: deps.config.GITHUB_WEBHOOK_SECRET,
      maxBodyBytes: deps.config.WEBHOOK_MAX_BODY_BYTES,
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
