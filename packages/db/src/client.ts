import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

export interface PoolOptions {
  /** Postgres connections this client may hold. */
  poolMax?: number;
  /** How long to wait for a connection (a new one, or a free one from the pool) before failing. */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/**
 * One client per process, made in main.ts. Getting a connection is bounded (a Postgres that is down or
 * unreachable fails fast); a query once sent is not: a client-side query timeout would hand the connection
 * back to the pool while its statement (or its transaction's ROLLBACK) may still be pending, and the next
 * caller's write could run inside that transaction. Callers that must answer in time bound their own wait
 * (the ingress's store deadline).
 */
export function createPrismaClient(databaseUrl: string, options: PoolOptions = {}): PrismaClient {
  // The adapter makes and owns its pool: $disconnect() ends it.
  return new PrismaClient({ adapter: new PrismaPg(poolConfig(databaseUrl, options)) });
}

function poolConfig(databaseUrl: string, options: PoolOptions): pg.PoolConfig {
  return {
    connectionString: databaseUrl,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
}

/** Prisma and the node-postgres pool under it: one pool, for the rare statement the ORM makes slow. */
export interface DatabaseClients {
  prisma: PrismaClient;
  /**
   * Prisma serializes a raw query's parameters to JSON and parses them back before they reach the driver,
   * which for a group of 16 deliveries (their payloads and raw bodies) is a tenth of the ingress's CPU: the
   * ingress's group INSERT goes to the pool directly.
   */
  pool: pg.Pool;
  /** Disconnects Prisma and ends the pool. */
  close(): Promise<void>;
}

export function createDatabaseClients(databaseUrl: string, options: PoolOptions = {}): DatabaseClients {
  const pool = new pg.Pool(poolConfig(databaseUrl, options));
  // An idle connection that breaks (Postgres restarted, a proxy cut it) is reported here and dropped from the
  // pool; without a listener node-postgres would throw it out of the process. Queries then fail, and say so.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    async close() {
      try {
        await prisma.$disconnect();
      } finally {
        // A pool handed to the adapter is the caller's to end.
        if (!closed) {
          closed = true;
          await pool.end();
        }
      }
    },
  };
}

/** True for Prisma's unique-constraint error (P2002), the signal of a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** A socket error on a connection to the database (see fromPoolError). */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

/**
 * An error from DatabaseClients.pool, made recognisable: there a socket error (ECONNREFUSED, ECONNRESET, ...)
 * can only be the database's, while isDatabaseUnavailable cannot tell it from a downstream's on its own.
 */
export function fromPoolError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) {
    return new DatabaseUnreachableError((error as Error).message, { cause: error });
  }
  return error;
}

/** A caller's own deadline for an answer from the database passed (see createPrismaClient). */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError';
}

// How node-postgres, the pg adapter and Prisma say that the server could not be reached. Only their own
// wording: a downstream's "connect ECONNREFUSED" must not pass for the database's.
const UNREACHABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|Can't reach database server|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|sorry, too many clients already|encountered a connection error and is not queryable/i;
/** Prisma: can't reach, timed out connecting, server closed the connection, no pooled connection in time. */
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** SQLSTATE class 08 (connection exception), 57P01-57P03 (shut down, crashed, cannot connect now), 53300 (too many connections). */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;

/**
 * Whether an error means the database is out of reach (down, partitioned, full of connections), as opposed
 * to a query it refused or a downstream's failure. Such a failure is nobody's fault but the
 * infrastructure's: callers answer 503 or wait, and never charge it to an event. Follows `cause` chains,
 * since the adapter wraps driver errors; HTTP client errors (axios) are never the database's.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof DatabaseTimeoutError || current instanceof DatabaseUnreachableError) return true;
    const { code, message, cause, isAxiosError } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      isAxiosError?: unknown;
    };
    if (isAxiosError === true) return false;
    if (typeof code === 'string' && (UNREACHABLE_PRISMA_CODES.has(code) || UNREACHABLE_SQLSTATE.test(code)))
      return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return true;
    current = cause;
  }
  return false;
}
