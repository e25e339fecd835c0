// `pnpm db:migrate`: apply prisma/migrations to DATABASE_URL without Prisma's schema engine
// (`prisma migrate deploy` does the same where the engine is installed).
import { applyMigrations } from '@hookfleet/db';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}
const applied = await applyMigrations(url);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
