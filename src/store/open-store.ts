// Opens the store named by a URL: `sqlite:PATH` (relative to the working folder; `sqlite::memory:`
// for tests) or `postgres://…`. Migrations run here, before anything else touches the database.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { acquirePostgresLock, acquireSqliteLock, reclaimPostgresLock, reclaimSqliteLock } from './account-lock.ts';
import { KyselyStore } from './kysely-store.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { NodeSqliteDatabase } from './sqlite-database.ts';

export const DEFAULT_STORE_URL = 'sqlite:./data/partnersync.db';

/** DATABASE_URL (environment) wins over `store.url` (config), as docs/product.md says. */
export function resolveStoreUrl(configUrl: string | undefined, databaseUrl: string | undefined): string {
  return databaseUrl ?? configUrl ?? DEFAULT_STORE_URL;
}

/** The URL without its password, for logs and messages. */
export function describeStoreUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch (err) {
    // not a URL we can parse: say only which kind it is
    return `${url.split(':')[0] ?? 'database'} URL (${err instanceof Error ? 'unparsable' : 'unknown'})`;
  }
}

/**
 * The folder for local files (the in-process sandbox's state, exports of the demo): the SQLite
 * file's folder, or ./data beside a PostgreSQL store.
 */
export function dataDirOf(url: string, cwd: string): string {
  if (url.startsWith('sqlite:')) {
    const file = sqliteFileOf(url, cwd);
    if (file !== ':memory:') return path.dirname(file);
  }
  return path.resolve(cwd, 'data');
}

export function sqliteFileOf(url: string, cwd: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  return path.resolve(cwd, rest.startsWith('//') ? rest.slice(2) : rest);
}

// int8 (oid 20: BIGINT columns, count(*), max()) comes back as bigint instead of a string.
const INT8_OID = 20;
const parseInt8 = (text: string): bigint => BigInt(text);
const defaultParser = pg.types.getTypeParser as (oid: number) => (text: string) => unknown;
const pgTypes = {
  getTypeParser: ((oid: number) =>
    oid === INT8_OID ? parseInt8 : defaultParser(oid)) as typeof pg.types.getTypeParser,
};

export async function openStore(url: string, options: { cwd?: string } = {}): Promise<KyselyStore> {
  const cwd = options.cwd ?? process.cwd();
  if (url.startsWith('sqlite:')) {
    const file = sqliteFileOf(url, cwd);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const database = new NodeSqliteDatabase(file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    const store = new KyselyStore(db, {
      kind: 'sqlite',
      lock: (account, waitMs, mode, token) => acquireSqliteLock(db, file, account, waitMs, mode, token),
      reclaim: (claim) => reclaimSqliteLock(db, file, claim),
      destroy: () => Promise.resolve(),
    });
    await migrateOrClose(store);
    return store;
  }
  if (/^postgres(ql)?:/.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 5, types: pgTypes, application_name: 'partnersync' });
    // An idle pooled connection the server ends (restart, admin action) must not crash the
    // process: pg drops it from the pool and the next query opens a fresh one.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const store = new KyselyStore(db, {
      kind: 'postgres',
      lock: (account, waitMs, mode) => acquirePostgresLock(url, db, account, waitMs, mode),
      reclaim: (claim) => reclaimPostgresLock(db, claim),
      destroy: () => Promise.resolve(),
    });
    await withMigrationLock(url, () => migrateOrClose(store));
    return store;
  }
  throw new Error(`store URL ${describeStoreUrl(url)}: must start with sqlite: or postgres://`);
}

/**
 * Instances starting together on an empty database would race to create Kysely's own migration
 * tables (its lock lives in one of them): a session advisory lock, taken on a connection of its
 * own before the migrator runs, lets one start migrate while the others wait.
 */
async function withMigrationLock(url: string, migrate: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'partnersync-migrate' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext('partnersync:migrations'))");
    await migrate();
  } finally {
    // ending the session releases the lock, whatever happened
    await client.end();
  }
}

async function migrateOrClose(store: KyselyStore): Promise<void> {
  try {
    await migrateToLatest(store.db as unknown as Kysely<unknown>);
  } catch (err) {
    await store.close();
    throw err;
  }
}
