// Composition root: config in, clients built once, server listening; stop() drains in order.
import { listen } from '@hookfleet/http';
import { createLogger, createMetrics, type Logger } from '@hookfleet/observability';
import { closeEventQueues, createEventQueues, openClients, retryPolicyOf } from '@hookfleet/queue';
import type { IngressConfig } from './config.js';
import { createIngressServer } from './server.js';

export interface RunningIngress {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startIngress(config: IngressConfig, options: { logger?: Logger } = {}): Promise<RunningIngress> {
  const logger = options.logger ?? createLogger({ service: 'ingress', level: config.LOG_LEVEL });
  const metrics = createMetrics('ingress');
  const clients = openClients(config, { logger, redisRole: 'producer' });
  const queues = createEventQueues({
    connection: clients.redis,
    prefix: config.QUEUE_PREFIX,
    retryPolicy: retryPolicyOf(config),
    logger,
  });

  let accepting = true;
  const app = createIngressServer({
    config,
    prisma: clients.prisma,
    queues,
    logger,
    metrics,
    checks: clients.checks,
    isAccepting: () => accepting,
  });
  const server = await listen(app, config.WEBHOOK_PORT, config.WEBHOOK_HOST);
  logger.info('ingress listening', { url: server.url });

  return {
    url: server.url,
    port: server.port,
    async stop() {
      accepting = false;
      await server.close(); // in-flight deliveries finish: each is stored and queued before its answer
      await closeEventQueues(queues);
      await clients.close();
      logger.info('ingress stopped');
    },
  };
}
