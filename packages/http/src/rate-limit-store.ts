// The store every express-rate-limit limiter counts in: Redis, so that all replicas of an app enforce one
// limit. rate-limit-redis loads its counting script once, when the limiter starts, and keeps that promise:
// had Redis been away then, every later count would fail with it. A failed count here loads the script
// afresh for the next one, so a limiter counts again as soon as Redis is back.
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Redis } from 'ioredis';

class RedisCounterStore extends RedisStore {
  override async increment(key: string) {
    try {
      return await super.increment(key);
    } catch (error) {
      const reload = this.loadIncrementScript();
      // Awaited by the next count; a failure until then is the outage this count already reports.
      reload.catch(() => undefined);
      this.incrementScriptSha = reload;
      throw error;
    }
  }
}

/** A limiter's store: its counters under `prefix` (one key space per limit) on the limiter's connection. */
export function redisCounterStore(redis: Redis, prefix: string): RedisStore {
  return new RedisCounterStore({
    prefix,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  });
}
