// Redis connections as BullMQ's production guide asks: producers fail fast when Redis is away (the
// request gets an error instead of hanging); workers wait forever (maxRetriesPerRequest: null).
import { Redis } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

export function createRedisConnection(url: string, role: RedisRole): Redis {
  return role === 'producer'
    ? new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'hookfleet-producer' })
    : new Redis(url, { maxRetriesPerRequest: null, connectionName: 'hookfleet-worker' });
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
