// `sync --dry-run` (issue 17 item 8) through the CLI on the in-process HubSpot sandbox: it prints
// what would be posted, written and created, and leaves every store table and every sandbox record
// byte-identical; the real sync that follows does what the preview said.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { storeTargets } from './helpers.ts';

const demoYaml = readFileSync(path.resolve('config/examples/demo.yaml'), 'utf8');

/** Every row of every table, as sorted JSON lines per table. */
async function dumpStore(url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (url.startsWith('sqlite:')) {
    const db = new DatabaseSync(url.slice('sqlite:'.length), { readOnly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      for (const t of tables) {
        const name = String(t['name']);
        out[name] = db
          .prepare(`SELECT * FROM "${name}"`)
          .all()
          .map((r) => JSON.stringify(r))
          .sort();
      }
    } finally {
      db.close();
    }
    return out;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name',
    );
    for (const { table_name: name } of tables.rows) {
      const rows = await c.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${name}" t`);
      out[name] = rows.rows.map((r) => r.j).sort();
    }
  } finally {
    await c.end();
  }
  return out;
}

/** The sandbox's records as saved in its state file (not the save time). */
const sandboxRecords = (file: string): string =>
  JSON.stringify((JSON.parse(readFileSync(file, 'utf8')) as { state: unknown }).state);

const num = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? Number.NaN);

describe.each(storeTargets())('sync --dry-run on $name', (target) => {
  it('previews the first sync, changes nothing, and the real sync then does what it said', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-dry-'));
    const schema = target.name === 'postgres' ? await freshSchema(target.url(), 'dryrun') : null;
    const storeUrl = schema?.url ?? `sqlite:${path.join(dir, 'store.db')}`;
    const stateFile = path.join(dir, 'sandbox-hubspot.json');
    const configFile = path.join(dir, 'partnersync.yaml');
    writeFileSync(
      configFile,
      demoYaml
        .replace(
          'sandbox: { seed: 1, partners: 50, deals: 2000 }',
          `sandbox: { seed: 3, partners: 12, deals: 150, stateFile: ${JSON.stringify(stateFile)} }`,
        )
        .replace('url: "sqlite:./data/partnersync.db"', `url: ${JSON.stringify(storeUrl)}`),
    );
    const env = { LOG_LEVEL: 'silent', ...(schema === null ? {} : { DATABASE_URL: storeUrl }) };
    try {
      expect((await runCli(['provision', '--config', configFile], env)).code).toBe(0);
      const storeBefore = await dumpStore(storeUrl);
      const crmBefore = sandboxRecords(stateFile);
      expect(Object.keys(storeBefore).length).toBeGreaterThan(5);

      const dry = await runCli(['sync', '--dry-run', '--config', configFile], env);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('dry run (nothing written');
      expect(dry.stdout).toMatch(/would read 12 partners and 150 deals/);
      const accruals = num(dry.stdout, /would post (\d+) accruals/);
      const partnersWritten = num(dry.stdout, /would write (\d+) partner/);
      const dealsWritten = num(dry.stdout, /partner and (\d+) deal records/);
      const alertsOpened = num(dry.stdout, /would open (\d+) and resolve/);
      const tasks = num(dry.stdout, /would create (\d+) CRM tasks/);
      expect(accruals).toBeGreaterThan(0);
      expect(partnersWritten).toBeGreaterThan(0);
      expect(alertsOpened).toBeGreaterThan(0);
      // a sample per kind
      expect(dry.stdout).toMatch(/\n {2}accrual \S+ \(\d{4}-\d{2}, partner \S+\): [\d.]+ — /);
      expect(dry.stdout).toMatch(/\n {2}partner \S+: \w+/);

      // nothing changed: store tables (ledger, cursor, cache, episodes, outbox, runs) and CRM records
      expect(await dumpStore(storeUrl)).toEqual(storeBefore);
      expect(sandboxRecords(stateFile)).toBe(crmBefore);

      // the real sync does what the preview said
      const real = await runCli(['sync', '--config', configFile], env);
      expect(real.code).toBe(0);
      expect(num(real.stdout, /ledger: (\d+) accruals/)).toBe(accruals);
      expect(num(real.stdout, /write-back: (\d+) partners/)).toBe(partnersWritten);
      expect(num(real.stdout, /write-back: \d+ partners, (\d+) deals/)).toBe(dealsWritten);
      expect(num(real.stdout, /alerts: \d+ open \((\d+) new/)).toBe(alertsOpened);
      expect(num(real.stdout, /tasks created (\d+)/)).toBe(tasks);
      expect(sandboxRecords(stateFile)).not.toBe(crmBefore);

      // after it, an incremental preview has nothing to post or write
      const after = await runCli(['sync', '--dry-run', '--config', configFile], env);
      expect(after.code).toBe(0);
      expect(after.stdout).toContain('incremental');
      expect(after.stdout).toContain('would post 0 accruals, 0 adjustments, 0 clawbacks');
      expect(after.stdout).toContain('would write 0 partner and 0 deal records');
    } finally {
      await schema?.drop();
    }
  }, 120_000);
});
