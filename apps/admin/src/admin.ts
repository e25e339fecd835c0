import { listen } from '@hookfleet/http';
import { createLogger, createMetrics, type Logger } from '@hookfleet/observability';
import { closeEventQueues, createEventQueues, openClients, retryPolicyOf } from '@hookfleet/queue';
import type { AdminConfig } from './config.js';
import { createTokenStore } from './auth.js';
import { createAdminServer } from './server.js';

export interface RunningAdmin {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startAdmin(config: AdminConfig, options: { logger?: Logger } = {}): Promise<RunningAdmin> {
  const logger = options.logger ?? createLogger({ service: 'admin', level: config.LOG_LEVEL });
  const metrics = createMetrics('admin');
  const clients = openClients(config, { logger, redisRole: 'producer' });
  const queues = createEventQueues({
    connection: clients.redis,
    prefix: config.QUEUE_PREFIX,
    retryPolicy: retryPolicyOf(config),
    logger,
  });
  const tokens = createTokenStore(clients.prisma);
  await tokens.bootstrap(config.ADMIN_API_TOKEN);
  const app = createAdminServer({
    config,
    prisma: clients.prisma,
    queues,
    logger,
    metrics,
    checks: clients.checks,
    tokens,
  });
  const server = await listen(app, config.ADMIN_PORT, config.ADMIN_HOST);
  logger.info('admin listening', { url: server.url });
  return {
    url: server.url,
    port: server.port,
    async stop() {
      await server.close();
      await closeEventQueues(queues);
      await clients.close();
    },
  };
}
