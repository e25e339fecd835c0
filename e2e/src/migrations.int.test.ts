import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '@hookfleet/devkit';
import { MIGRATIONS_DIR, MigrationError, applyMigrations, schemaDiffSql } from '@hookfleet/db';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const newDatabase = (migrate = false) => createTestDatabase(inject('databaseServerUrl'), { migrate });

describe('applyMigrations', () => {
  it('applies every migration once and records it in _prisma_migrations as Prisma does', async () => {
    const database = await newDatabase();
    try {
      const expected = (await readdir(MIGRATIONS_DIR)).filter((name) => !name.endsWith('.toml')).sort();
      expect(await applyMigrations(database.url)).toEqual(expected);
      expect(await applyMigrations(database.url)).toEqual([]);

      const rows = await query<{
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        applied_steps_count: number;
      }>(
        database.url,
        'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((row) => row.migration_name)).toEqual(expected);
      for (const row of rows) {
        const sql = await readFile(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
      const tables = await query<{ tablename: string }>(
        database.url,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.map((table) => table.tablename)).toEqual(
        expect.arrayContaining(['webhook_events', 'workflow_tasks', 'task_executions']),
      );
      // The delivery's documents use lz4 where this Postgres has it (PGlite has not: they keep the default).
      const [toast] = await query<{ lz4: boolean }>(
        database.url,
        "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) AS lz4",
      );
      const compression = await query<{ attname: string; attcompression: string }>(
        database.url,
        `SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'webhook_events'::regclass
           AND attname IN ('payload', 'raw_body', 'headers', 'normalized') ORDER BY attname`,
      );
      expect(compression.map((column) => column.attcompression)).toEqual(Array(4).fill(toast!.lz4 ? 'l' : ''));
    } finally {
      await database.drop();
    }
  });

  it('refuses a migration edited after it was applied, and records a failing one without half-applying it', async () => {
    const database = await newDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'hookfleet-migrations-'));
    try {
      await mkdir(join(dir, '001_first'));
      await writeFile(join(dir, '001_first', 'migration.sql'), 'CREATE TABLE first_table (id int);');
      expect(await applyMigrations(database.url, { migrationsDir: dir })).toEqual(['001_first']);

      await writeFile(join(dir, '001_first', 'migration.sql'), 'CREATE TABLE first_table (id bigint);');
      await expect(applyMigrations(database.url, { migrationsDir: dir })).rejects.toThrow(
        /edited after it was applied/,
      );
      await writeFile(join(dir, '001_first', 'migration.sql'), 'CREATE TABLE first_table (id int);');

      await mkdir(join(dir, '002_broken'));
      await writeFile(
        join(dir, '002_broken', 'migration.sql'),
        'CREATE TABLE second_table (id int);\nSELECT no_such_function();',
      );
      await expect(applyMigrations(database.url, { migrationsDir: dir })).rejects.toBeInstanceOf(MigrationError);
      const second = await query(database.url, "SELECT to_regclass('second_table') AS present");
      expect(second[0]).toEqual({ present: null });
      const failed = await query<{ finished_at: Date | null; logs: string }>(
        database.url,
        "SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '002_broken'",
      );
      expect(failed).toHaveLength(1);
      expect(failed[0]!.finished_at).toBeNull();
      expect(failed[0]!.logs).toMatch(/no_such_function/);
      // Until an operator resolves it, nothing further is applied.
      await expect(applyMigrations(database.url, { migrationsDir: dir })).rejects.toThrow(/failed earlier/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await database.drop();
    }
  });
});

/** The catalog facts a migration decides: columns, enums, indexes and constraints. */
async function catalog(url: string) {
  const [columns, enums, indexes, constraints] = await Promise.all([
    query(
      url,
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
                FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
                ORDER BY table_name, column_name`,
    ),
    query(
      url,
      `SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
    ),
    query(
      url,
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    ),
    query(
      url,
      `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
                FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'
                ORDER BY conname`,
    ),
  ]);
  return { columns, enums, indexes, constraints };
}

describe('schema.prisma and prisma/migrations', () => {
  it('describe the same database (a schema change needs its migration)', { timeout: 120_000 }, async () => {
    const fromMigrations = await newDatabase(true);
    const fromSchema = await newDatabase(false);
    try {
      // The DDL schema.prisma implies, from the engine `pnpm db:diff` authors migrations with.
      const ddl = await schemaDiffSql({ scratchDatabaseUrl: fromSchema.url, from: 'empty' });
      expect(ddl).toMatch(/CREATE TABLE "webhook_events"/);
      const client = new pg.Client({ connectionString: fromSchema.url });
      await client.connect();
      await client.query(ddl);
      await client.end();
      expect(await catalog(fromMigrations.url)).toEqual(await catalog(fromSchema.url));
    } finally {
      await fromMigrations.drop();
      await fromSchema.drop();
    }
  });
});
