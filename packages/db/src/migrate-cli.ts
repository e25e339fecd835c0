#!/usr/bin/env node
// Applies prisma/migrations to DATABASE_URL without Prisma's schema engine; `prisma migrate deploy`
// does the same where the engine is installed. Used by `pnpm db:migrate` and by the images' migrate job.
import { applyMigrations } from './migrations.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}
try {
  const applied = await applyMigrations(url);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
