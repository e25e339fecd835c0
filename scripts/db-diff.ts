// `pnpm db:diff [--name what_changed]`: the SQL that takes a database built from prisma/migrations to
// prisma/schema.prisma. With a name, written as prisma/migrations/<UTC timestamp>_<name>/migration.sql;
// without, printed. Needs a Postgres: a scratch database on DATABASE_URL's server, else an embedded one.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { MIGRATIONS_DIR, SCHEMA_FILE, schemaDiffSql } from '@hookfleet/db';
import { createTestDatabase } from '@hookfleet/devkit';

const USAGE =
  'usage: pnpm db:diff [--name what_changed] [--schema prisma/schema.prisma] [--migrations prisma/migrations]';

const { values } = parseArgs({
  options: { name: { type: 'string' }, schema: { type: 'string' }, migrations: { type: 'string' } },
});
if (values.name !== undefined && !/^[a-z0-9_]+$/.test(values.name)) {
  console.error(`--name: lower-case letters, digits and underscores only\n${USAGE}`);
  process.exit(2);
}
const schemaFile = values.schema ?? SCHEMA_FILE;
const migrationsDir = values.migrations ?? MIGRATIONS_DIR;

const scratch = await createTestDatabase(process.env.DATABASE_URL || undefined, { migrate: false });
let sql: string;
try {
  sql = await schemaDiffSql({ scratchDatabaseUrl: scratch.url, from: { migrationsDir }, schemaFile });
} finally {
  await scratch.drop();
}

if (!sql) {
  console.error(`${relative(process.cwd(), schemaFile)} and the migrations describe the same database: no migration.`);
} else if (values.name === undefined) {
  process.stdout.write(sql);
} else {
  // Prisma's migration names: the UTC time to the second, then the name, so they sort in order applied.
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(migrationsDir, `${stamp}_${values.name}`);
  await mkdir(dir);
  await writeFile(join(dir, 'migration.sql'), sql);
  console.error(
    `wrote ${relative(process.cwd(), join(dir, 'migration.sql'))}: read it, then apply with pnpm db:migrate.`,
  );
}
