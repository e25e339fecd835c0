// Local stand-ins for a machine with neither Postgres nor Redis: PGlite (Postgres compiled to WASM)
// served over the wire protocol, and redis-memory-server (the system redis-server binary when there is
// one, else a build it downloads once).
import { execFileSync } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { RedisMemoryServer } from 'redis-memory-server';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/** Extended-protocol messages that leave a sequence open until the client's Sync. */
const SEQUENCE_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));

/**
 * pglite-socket queues each wire message on its own and switches connections between messages unless
 * the session is in a transaction, so one connection's Parse can land between another's Parse and Bind
 * ("bind message supplies 4 parameters, but prepared statement requires 5") once several connections
 * query at once. This view of the database reports an unfinished Parse..Sync sequence as a transaction,
 * which keeps the queue on that connection until its Sync.
 */
function keepingSequencesTogether(db: PGlite): PGlite {
  let sequenceOpen = false;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'isInTransaction') return () => sequenceOpen || target.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          sequenceOpen = SEQUENCE_MESSAGES.has(message[0] ?? 0);
          return target.execProtocolRawStream(message, options);
        };
      }
      // The server's own ROLLBACK for a connection that went away mid-transaction ends any sequence too.
      if (property === 'exec') {
        return (...args: Parameters<PGlite['exec']>) => {
          sequenceOpen = false;
          return target.exec(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * An in-memory (or `dataDir`) Postgres. PGlite is one session; the socket server multiplexes client
 * connections onto it and keeps an open transaction (and, here, an open Parse..Sync sequence) on the
 * connection that began it.
 */
export async function startEmbeddedPostgres(
  options: { port?: number; dataDir?: string; maxConnections?: number } = {},
): Promise<RunningService> {
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({
    db: keepingSequencesTogether(db),
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 32,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres:postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

function systemRedisBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function startEmbeddedRedis(options: { port?: number } = {}): Promise<RunningService> {
  const systemBinary = systemRedisBinary();
  const server = await RedisMemoryServer.create({
    instance: { port: options.port, args: ['--save', '', '--appendonly', 'no'] },
    ...(systemBinary ? { binary: { systemBinary } } : {}),
  });
  return {
    url: `redis://${await server.getHost()}:${await server.getPort()}`,
    async stop() {
      await server.stop();
    },
  };
}

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  embedded: { postgres: boolean; redis: boolean };
  stop(): Promise<void>;
}

/** The configured URLs where set; embedded servers for whichever is missing. */
export async function provideServices(
  env: { DATABASE_URL?: string; REDIS_URL?: string },
  options: { postgresPort?: number; redisPort?: number; dataDir?: string } = {},
): Promise<Services> {
  const postgres = env.DATABASE_URL
    ? null
    : await startEmbeddedPostgres({ port: options.postgresPort, dataDir: options.dataDir });
  const redis = env.REDIS_URL ? null : await startEmbeddedRedis({ port: options.redisPort });
  return {
    databaseUrl: env.DATABASE_URL ?? postgres!.url,
    redisUrl: env.REDIS_URL ?? redis!.url,
    embedded: { postgres: postgres !== null, redis: redis !== null },
    async stop() {
      await redis?.stop();
      await postgres?.stop();
    },
  };
}
