import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

/** One client per process, made in main.ts; `poolMax` bounds its Postgres connections. */
export function createPrismaClient(databaseUrl: string, options: { poolMax?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}

/** True for Prisma's unique-constraint error (P2002), the signal of a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
