import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

export interface PoolOptions {
  /** Postgres connections this client may hold. */
  poolMax?: number;
  /** How long to wait for a connection (a new one, or a free one from the pool) before failing. */
  connectTimeoutMs?: number;
  /** How long to wait for a query's answer before failing; the only bound when packets are dropped silently. */
  queryTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;

/**
 * One client per process, made in main.ts. Without the two timeouts a Postgres that stops answering
 * (a network partition, a proxy dropping packets) holds every caller for as long as TCP takes to give up.
 */
export function createPrismaClient(databaseUrl: string, options: PoolOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
  });
  return new PrismaClient({ adapter });
}

/** True for Prisma's unique-constraint error (P2002), the signal of a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

// How node-postgres, the pg adapter and Prisma say that the server could not be reached or answered too late.
const UNREACHABLE_MESSAGE =
  /timeout exceeded when trying to connect|Query read timeout|Connection terminated|Can't reach database server|connection (is )?(closed|refused)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;
/** Prisma: can't reach, timed out, server closed the connection, transaction API timed out. */
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028']);
/** SQLSTATE class 08 (connection exception), and 57P01-57P03 (shut down, crashed, cannot connect now). */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123])/;

/**
 * Whether an error means the database is out of reach (down, partitioned, too slow), as opposed to a
 * query it refused. Such a failure is nobody's fault but the infrastructure's: callers answer 503 or wait,
 * and never charge it to an event. Follows `cause` chains, since the adapter wraps driver errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (UNREACHABLE_PRISMA_CODES.has(code) || UNREACHABLE_SQLSTATE.test(code)))
      return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return true;
    current = cause;
  }
  return false;
}
