// A database of its own for one test file: a fresh database on the configured server, or a fresh
// embedded Postgres when none is configured. Either way migrated, and dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '@hookfleet/db';
import { startEmbeddedPostgres } from './embedded.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  serverUrl: string | undefined,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let database: TestDatabase;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres();
    database = { url: embedded.url, drop: embedded.stop };
  } else {
    const name = `hookfleet_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      async drop() {
        const client = new pg.Client({ connectionString: serverUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  if (options.migrate !== false) await applyMigrations(database.url);
  return database;
}
