// The finance commands end to end through the CLI: a SQLite store filled by a sync (fake CRM),
// then periods, export and statements as finance runs them, with their exit codes.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { parse } from 'csv-parse/sync';
import { main } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import { makeWorld, PROGRAM_YAML, seedCrm, storeTargets } from './helpers.ts';

describe('finance CLI', () => {
  it('lists and closes periods, exports commissions and statements; bad input exits 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-cli-'));
    const dbFile = path.join(dir, 'ledger.db');
    const configFile = path.join(dir, 'partnersync.yaml');
    writeFileSync(configFile, `${PROGRAM_YAML}store: { url: "sqlite:${dbFile}" }\n`);
    const [sqlite] = storeTargets();
    if (!sqlite) throw new Error('no sqlite target');
    const w = await makeWorld(sqlite, { url: `sqlite:${dbFile}` });
    seedCrm(w.crm);
    await runSync(w.deps);
    await w.store.close();
    const env = { LOG_LEVEL: 'silent' };

    const list = await runCli(['periods', 'list', '--config', configFile], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/2026-02\s+open\s+2 entries\s+net 1500\.00/);

    // closing is for good: without a terminal to confirm on it needs --yes, and nothing changes
    const refused = await runCli(['periods', 'close', '2026-02', '--config', configFile], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    expect((await runCli(['periods', 'list', '--config', configFile], env)).stdout).toMatch(/2026-02\s+open/);
    // on a terminal it asks; "no" closes nothing
    const asked: string[] = [];
    let declinedErr = '';
    const declined = await main(['periods', 'close', '2026-02', '--config', configFile], env, {
      stdout: () => undefined,
      stderr: (t) => {
        declinedErr += t;
      },
      isTty: true,
      confirm: (q) => {
        asked.push(q);
        return Promise.resolve(false);
      },
    });
    expect(declined).toBe(1);
    expect(asked[0]).toContain('Close 2 open months (2026-01 to 2026-02) for good?');
    expect(declinedErr).toContain('2026-02 stays open');
    expect((await runCli(['periods', 'list', '--config', configFile], env)).stdout).toMatch(/2026-02\s+open/);

    const close = await runCli(['periods', 'close', '2026-02', '--yes', '--by', 'ana', '--config', configFile], env);
    expect(close).toMatchObject({ code: 0 });
    expect(close.stdout).toContain('closed 2026-02 and every earlier month');

    const out = path.join(dir, 'feb.csv');
    const exp = await runCli(
      ['export', 'commissions', '--period', '2026-02', '--format', 'csv', '--out', out, '--config', configFile],
      env,
    );
    expect(exp.code).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\r\n').filter((l) => l !== '')).toHaveLength(3); // header + d1 + the February fixed fee
    const again = await runCli(
      ['export', 'commissions', '--period', '2026-02', '--format', 'csv', '--config', configFile],
      env,
    );
    expect(again.stdout).toBe(csv);

    const st = await runCli(
      ['statements', '--period', '2026-03', '--format', 'json', '--partner', 'p1', '--config', configFile],
      env,
    );
    expect(st.code).toBe(0);
    const parsed = JSON.parse(st.stdout) as { partners: { partnerId: string; totals: { net: string } }[] };
    expect(parsed.partners.map((p) => p.partnerId)).toEqual(['p1']);
    expect(parsed.partners[0]?.totals.net).toBe('330.00');
    expect((await runCli(['periods', 'list', '--config', configFile], env)).stdout).toMatch(
      /2026-02\s+closed\s+.*closed 2026-\d\d-\d\dT[\d:.]+Z by ana/,
    );

    // an unknown partner is an error naming it, not an all-zero statement
    const unknown = await runCli(
      ['statements', '--period', '2026-03', '--partner', 'nope', '--config', configFile],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('--partner nope: no partner with id "nope"');
    const quiet = await runCli(['statements', '--period', '2026-01', '--partner', 'p1', '--config', configFile], env);
    expect(quiet.code).toBe(2);
    expect(quiet.stderr).toContain('--partner p1: this partner has no ledger entries in 2026-01');

    // the statement CSV holds detail lines only: a SUM over amount is the net total
    const totalsFile = path.join(dir, 'totals.csv');
    const stCsv = await runCli(
      ['statements', '--period', '2026-03', '--totals-out', totalsFile, '--config', configFile],
      env,
    );
    expect(stCsv.code).toBe(0);
    const stJson = JSON.parse(
      (await runCli(['statements', '--period', '2026-03', '--format', 'json', '--config', configFile], env)).stdout,
    ) as { totals: { net: string }; partners: { lines: unknown[] }[] };
    const records = parse<Record<string, string>>(stCsv.stdout, { columns: true });
    expect(records).toHaveLength(stJson.partners.reduce((n, p) => n + p.lines.length, 0));
    expect(records.every((r) => r['line'] !== 'total')).toBe(true);
    const cents = (v: string): bigint => BigInt(v.replace('.', ''));
    expect(records.reduce((sum, r) => sum + cents(r['amount'] ?? '0'), 0n)).toBe(cents(stJson.totals.net));
    const totals = parse<Record<string, string>>(readFileSync(totalsFile, 'utf8'), { columns: true });
    expect(totals.at(-1)).toMatchObject({ partnerName: 'all partners', net: stJson.totals.net });

    expect((await runCli(['export', 'commissions', '--period', '2026-Q1', '--config', configFile], env)).code).toBe(2);
    expect(
      (await runCli(['statements', '--period', '2026-03', '--format', 'xml', '--config', configFile], env)).code,
    ).toBe(2);
    expect((await runCli(['periods', 'close', '2099-01', '--config', configFile], env)).code).toBe(2);

    const snap = path.join(dir, 'snap.json');
    const s = await runCli(['snapshot', '--from-cache', '--out', snap, '--config', configFile], env);
    expect(s.code).toBe(0);
    const snapshot = JSON.parse(readFileSync(snap, 'utf8')) as {
      partners: unknown[];
      deals: { id: string; written?: unknown }[];
    };
    expect(snapshot.deals).toHaveLength(8);
    expect(snapshot.deals[0]?.written).toBeUndefined();
    const computed = await runCli(
      [
        'compute',
        '--snapshot',
        snap,
        '--as-of',
        '2026-03-20T12:00:00Z',
        '--out',
        path.join(dir, 'out'),
        '--config',
        configFile,
      ],
      env,
    );
    expect(computed.code).toBe(0);

    const store = await openStore(`sqlite:${dbFile}`);
    expect(await store.periodCloses(w.crm.account)).toHaveLength(1);
    await store.close();
  });
});
