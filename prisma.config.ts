// Prisma CLI settings (generate, and `prisma migrate deploy` where Prisma's schema engine is installed).
// DATABASE_URL is optional here: `prisma generate` needs none.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/hookfleet' },
});
