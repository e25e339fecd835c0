import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '@hookfleet/devkit';
import { MIGRATIONS_DIR, SCHEMA_FILE, applyMigrations } from '@hookfleet/db';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `pnpm db:diff` with these arguments, as package.json runs it. */
async function dbDiff(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const serverUrl = inject('databaseServerUrl');
  return promisify(execFile)(
    join(ROOT, 'node_modules/.bin/tsx'),
    ['--conditions=@hookfleet/source', 'scripts/db-diff.ts', ...args],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: serverUrl ?? '' } },
  );
}

describe('pnpm db:diff', () => {
  it(
    'writes the migration a schema change needs, after which there is none to write',
    { timeout: 300_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hookfleet-db-diff-'));
      const database = await createTestDatabase(inject('databaseServerUrl'), { migrate: false });
      try {
        const migrations = join(dir, 'migrations');
        await cp(MIGRATIONS_DIR, migrations, { recursive: true });
        const committed = await readdir(migrations);
        const schema = join(dir, 'schema.prisma');
        const original = await readFile(SCHEMA_FILE, 'utf8');
        const changed = original.replace(
          /^(model WebhookEvent \{\n)/m,
          '$1  operatorNote String? @map("operator_note")\n',
        );
        expect(changed).not.toBe(original);
        await writeFile(schema, changed);

        await dbDiff('--name', 'event_operator_note', '--schema', schema, '--migrations', migrations);
        const added = (await readdir(migrations)).filter((name) => !committed.includes(name));
        expect(added).toEqual([expect.stringMatching(/^\d{14}_event_operator_note$/)]);
        const sql = await readFile(join(migrations, added[0]!, 'migration.sql'), 'utf8');
        expect(sql).toMatch(/ALTER TABLE "webhook_events" ADD COLUMN\s+"operator_note" TEXT;/);

        // The migrations, the new one included, build the changed schema: the applier takes them all, and the
        // engine, reading what they built, finds nothing left to write.
        expect(await applyMigrations(database.url, { migrationsDir: migrations })).toEqual(
          [...committed, ...added].filter((name) => !name.endsWith('.toml')).sort(),
        );
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const { rows } = await client.query(
          "SELECT data_type FROM information_schema.columns WHERE table_name = 'webhook_events' AND column_name = 'operator_note'",
        );
        await client.end();
        expect(rows).toEqual([{ data_type: 'text' }]);
        const again = await dbDiff('--schema', schema, '--migrations', migrations);
        expect(again.stdout).toBe('');
        expect(again.stderr).toMatch(/describe the same database: no migration/);
      } finally {
        await database.drop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
