// The SQL that takes a database from one schema to another, written by Prisma's schema engine: the one
// that authors prisma/migrations. Prisma 7's engine is a native binary fetched at install time; Prisma
// 6.19's ships as WebAssembly inside its npm package ("prisma-6" here) and writes the same PostgreSQL DDL,
// so this needs only node_modules and a Postgres.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { MIGRATIONS_DIR } from './migrations.js';

/** prisma/schema.prisma at the repository root (same depth from src/ and dist/). */
export const SCHEMA_FILE = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

export interface SchemaDiffOptions {
  /**
   * An empty database the engine may fill: it applies the migrations there to learn the schema they
   * produce. Use a fresh one per call and drop it afterwards.
   */
  scratchDatabaseUrl: string;
  /** Where the database starts: the schema the migrations produce (default), or no schema at all. */
  from?: { migrationsDir: string } | 'empty';
  /** Where it should end up; prisma/schema.prisma by default. */
  schemaFile?: string;
}

/**
 * The SQL from `from` to the schema file, as Prisma writes a migration; an empty string when the two
 * describe the same database.
 */
export async function schemaDiffSql(options: SchemaDiffOptions): Promise<string> {
  const from = options.from ?? { migrationsDir: MIGRATIONS_DIR };
  const require = createRequire(import.meta.url);
  const cli = join(require.resolve('prisma-6/package.json'), '..', 'build', 'index.js');
  const dir = await mkdtemp(join(tmpdir(), 'hookfleet-schema-diff-'));
  try {
    // Prisma 6 wants a url in the datasource; the engine reaches the database through the adapter instead.
    const schema = (await readFile(options.schemaFile ?? SCHEMA_FILE, 'utf8')).replace(
      /^(datasource\s+\w+\s*\{)/m,
      '$1\n  url = "postgresql://unused"',
    );
    await writeFile(join(dir, 'schema.prisma'), schema);
    await writeFile(join(dir, 'prisma.config.mjs'), engineConfig(require, options.scratchDatabaseUrl));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        cli,
        'migrate',
        'diff',
        '--config',
        join(dir, 'prisma.config.mjs'),
        ...(from === 'empty' ? ['--from-empty'] : ['--from-migrations', from.migrationsDir]),
        '--to-schema-datamodel',
        join(dir, 'schema.prisma'),
        '--script',
      ],
      // The query engine is never started; pointing at any file stops the CLI from downloading one.
      { env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', PRISMA_QUERY_ENGINE_LIBRARY: SCHEMA_FILE }, cwd: dir },
    );
    const sql = stdout.replace(/^Loaded Prisma config.*\n/m, '').trim();
    const statements = sql.split('\n').filter((line) => line.trim() && !line.startsWith('--'));
    return statements.length ? `${sql}\n` : '';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The Prisma config the engine runs with: the pg driver adapter on the scratch database. The engine reads
 * the database's catalogue to learn what the migrations built, and two things in it need a word:
 * - the adapter cannot hand it Postgres's one-byte "char" columns (pg_class.relkind and its kin): they are
 *   described as the text they hold;
 * - Postgres 18 (and the embedded PGlite) lists NOT NULL as constraints of type 'n', which this engine
 *   predates and fails on: they are left out of the constraint rows, the columns say NOT NULL already.
 */
function engineConfig(require: NodeJS.Require, databaseUrl: string): string {
  const adapter = require.resolve('@prisma/adapter-pg');
  // The adapter's own pg: it takes a pool only if it is an instance of that module's Pool.
  const pg = createRequire(adapter).resolve('pg');
  const url = (path: string) => JSON.stringify(pathToFileURL(path).href);
  return `import pg from ${url(pg)};
import { PrismaPg } from ${url(adapter)};

const AS_TEXT = new Map([[18, 25], [1002, 1009]]); // "char" -> text, "char"[] -> text[]
const readable = (result) => {
  if (!result?.fields) return result;
  for (const field of result.fields) field.dataTypeID = AS_TEXT.get(field.dataTypeID) ?? field.dataTypeID;
  const type = result.fields.findIndex((field) => field.name === 'constraint_type');
  if (type >= 0) result.rows = result.rows.filter((row) => (Array.isArray(row) ? row[type] : row.constraint_type) !== 'n');
  return result;
};
class CatalogueClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') return super.query(config, (error, result) => values(error, readable(result)));
    if (typeof callback === 'function') {
      return super.query(config, values, (error, result) => callback(error, readable(result)));
    }
    const pending = super.query(config, values);
    return typeof pending?.then === 'function' ? pending.then(readable) : pending;
  }
}

export default {
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg(new pg.Pool({ connectionString: ${JSON.stringify(databaseUrl)}, Client: CatalogueClient })),
};
`;
}
