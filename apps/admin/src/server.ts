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
import { queueDepths, type EventQueues } from '@hookfleet/queue';
import { authenticate, type TokenStore } from './auth.js';
import { auditTrail } from './audit.js';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.js';
import type { AdminConfig } from './config.js';
import { createSecretBox } from '@hookfleet/sources';
import express from 'express';
import { eventRoutes } from './routes/events.js';
import { masCallbackRoutes } from './routes/mas-callback.js';
import { sourceRoutes } from './routes/sources.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import { workflowRoutes } from './routes/workflows.js';

export interface AdminDeps {
  config: AdminConfig;
  prisma: PrismaClient;
  queues: EventQueues;
  logger: Logger;
  metrics: Metrics;
  checks: Record<string, HealthCheck>;
  tokens: TokenStore;
}

export function createAdminServer(deps: AdminDeps): Express {
  const app = createBaseApp();
  app.use(requestContext(deps));
  app.use(
    healthRoutes({
      ...deps,
      beforeScrape: async () => {
        const depths = await queueDepths(deps.queues);
        for (const [queue, states] of Object.entries(depths)) {
          for (const [state, count] of Object.entries(states)) deps.metrics.queueDepth.set({ queue, state }, count);
        }
      },
    }),
  );
  app.use(masCallbackRoutes({ prisma: deps.prisma, secret: deps.config.MAS_CALLBACK_SECRET, logger: deps.logger }));
  // Everything below needs a token (or a browser session) with the route's role; changes are audited.
  app.use(auditTrail(deps));
  app.use(authenticate({ tokens: deps.tokens }));
  app.use(express.json({ limit: '100kb' }));
  app.use(tokenRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(taskRoutes(deps));
  app.use(workflowRoutes(deps));
  app.use(
    sourceRoutes({
      prisma: deps.prisma,
      box: deps.config.SOURCE_SECRETS_KEY ? createSecretBox(deps.config.SOURCE_SECRETS_KEY) : null,
    }),
  );
  app.use(BULL_BOARD_PATH, bullBoardRouter(deps.queues));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
