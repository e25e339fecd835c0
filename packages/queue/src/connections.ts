// Redis connections as BullMQ's production guide asks: producers fail fast when Redis is away (the
// request gets an error instead of hanging); workers wait forever (maxRetriesPerRequest: null). The
// rate limiter's connection waits for one reconnect, then fails, and the limiter lets the request pass.
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker' | 'limiter';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'hookfleet-producer' },
  worker: { maxRetriesPerRequest: null, connectionName: 'hookfleet-worker' },
  // Every delivery asks two or three counters: commands issued in the same tick go out in one write.
  limiter: { maxRetriesPerRequest: 1, connectionName: 'hookfleet-limiter', enableAutoPipelining: true },
};

export function createRedisConnection(url: string, role: RedisRole): Redis {
  return new Redis(url, ROLE_OPTIONS[role]);
}

/** Resolves once the connection is ready (a fail-fast producer rejects commands until then). */
export async function waitUntilReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      redis.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      redis.off('ready', onReady);
      reject(error);
    };
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
