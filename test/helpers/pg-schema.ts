// A PostgreSQL schema of its own for one test run: the URL it returns points every connection's
// search_path at a new, empty schema, so runs on a shared database (several checkouts, several
// branches with different migrations, CI retries) never see each other's tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestSchema {
  url: string;
  drop(): Promise<void>;
}

export async function freshSchema(baseUrl: string, label: string): Promise<TestSchema> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  // percent-encoded by hand: pg decodes with decodeURIComponent, which keeps a '+' as it is
  const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
