// Where the benchmark runs: the configured Postgres and Redis (or embedded ones), a fresh database of its
// own, and a random Redis key prefix, with a prefix of its own per target under it. cleanup() drops the
// database and deletes every key under the prefix; the servers themselves are never stopped or flushed.
import { randomBytes } from 'node:crypto';
import { applyMigrations } from '@hookfleet/db';
import { createTestDatabase, provideServices, type TestDatabase } from '@hookfleet/devkit';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface BenchEnvironment {
  databaseUrl: string;
  redisUrl: string;
  embedded: { postgres: boolean; redis: boolean };
  /** The run's Redis key prefix; every target's queue prefix starts with it. */
  runPrefix: string;
  /** A queue prefix of its own for one target, so no target sees another's jobs. */
  queuePrefix(target: string): string;
  /** A small pool on the benchmark's database, for setup and checks. */
  sql: pg.Pool;
  /** Empties every table Hookfleet owns, so each target starts from an empty database. */
  resetDatabase(): Promise<void>;
  versions(): Promise<{ postgres: string; redis: string }>;
  /** Drops the database and deletes the run's Redis keys; says what it removed. */
  cleanup(): Promise<string>;
}

async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function prepareEnvironment(): Promise<BenchEnvironment> {
  const services = await provideServices(process.env);
  let database: TestDatabase;
  try {
    if (services.embedded.postgres) {
      // PGlite is a single database (no CREATE DATABASE), in memory and ours alone: it only needs migrating,
      // and it goes away with services.stop().
      await applyMigrations(services.databaseUrl);
      database = { url: services.databaseUrl, drop: async () => {} };
    } else {
      database = await createTestDatabase(services.databaseUrl);
    }
  } catch (error) {
    await services.stop();
    throw error;
  }
  const runPrefix = `bench-${randomBytes(5).toString('hex')}`;
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  return {
    databaseUrl: database.url,
    redisUrl: services.redisUrl,
    embedded: services.embedded,
    runPrefix,
    queuePrefix: (target) => `${runPrefix}-${target.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    sql,
    async resetDatabase() {
      const { rows } = await sql.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables
          WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`,
      );
      await sql.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY CASCADE`);
    },
    async versions() {
      const { rows } = await sql.query<{ server_version: string }>('SHOW server_version');
      const redis = new Redis(services.redisUrl);
      try {
        const info = await redis.info('server');
        return {
          postgres: rows[0]?.server_version ?? 'unknown',
          redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
        };
      } finally {
        redis.disconnect();
      }
    },
    async cleanup() {
      const removed: string[] = [];
      try {
        await sql.end();
        removed.push(`${await deleteRedisKeys(services.redisUrl, `${runPrefix}-*`)} Redis keys under ${runPrefix}-`);
      } finally {
        await database.drop();
        removed.push(
          services.embedded.postgres ? 'the embedded database' : `database ${new URL(database.url).pathname.slice(1)}`,
        );
        await services.stop();
      }
      return removed.join(', ');
    },
  };
}

export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
