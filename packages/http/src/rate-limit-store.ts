// The store every express-rate-limit limiter counts in: Redis, so that all replicas of an app enforce one
// limit. rate-limit-redis loads its counting script once, when the limiter starts, and keeps that promise:
// had Redis been away then, every later count would fail with it. A failed count here loads the script
// afresh for the next one, so a limiter counts again as soon as Redis is back. A count that takes longer
// than COUNT_DEADLINE_MS fails, and the limiter lets the request pass.
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Redis } from 'ioredis';

/**
 * How long a count may take before the request passes uncounted: far above a counter's round trip (well under
 * a millisecond here), far below a caller's patience. A Redis that keeps the connection open and answers
 * nothing would otherwise hold every request the limiter guards.
 */
export const COUNT_DEADLINE_MS = 2000;

class CountDeadlineError extends Error {}

class RedisCounterStore extends RedisStore {
  override async increment(key: string) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CountDeadlineError(`no answer from Redis in ${COUNT_DEADLINE_MS} ms`)),
        COUNT_DEADLINE_MS,
      );
    });
    try {
      return await Promise.race([super.increment(key), deadline]);
    } catch (error) {
      // A slow answer is not a lost script: only a failed count loads it afresh.
      if (error instanceof CountDeadlineError) throw error;
      const reload = this.loadIncrementScript();
      // Awaited by the next count; a failure until then is the outage this count already reports.
      reload.catch(() => undefined);
      this.incrementScriptSha = reload;
      throw error;
    } finally {
      clearTimeout(timer);
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
