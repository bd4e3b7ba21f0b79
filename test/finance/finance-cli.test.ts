// The finance commands of issue 20 through the CLI (SQLite store filled by a sync of the fake
// CRM): four eyes between --by names, a payout run from creation to a paid line, the Wise file
// with sealed payee details, a PDF statement, and `reconcile` exiting 1 naming the difference.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { runCli } from '../helpers/cli.ts';
import { makeWorld, PROGRAM_YAML, seedCrm, storeTargets } from '../sync/helpers.ts';

describe('finance CLI', () => {
  it('adjustments, payout runs, payees, PDF statement and reconcile', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-fin-cli-'));
    const dbFile = path.join(dir, 'ledger.db');
    const configFile = path.join(dir, 'partnersync.yaml');
    writeFileSync(
      configFile,
      `${PROGRAM_YAML}store: { url: "sqlite:${dbFile}" }\nfinance: { payees: { keyEnv: PAYEE_KEY } }\n`,
    );
    const [sqlite] = storeTargets();
    if (!sqlite) throw new Error('no sqlite target');
    const w = await makeWorld(sqlite, { url: `sqlite:${dbFile}`, at: '2026-04-02T00:00:00Z' });
    seedCrm(w.crm);
    await runSync(w.deps);
    await w.store.close();
    const env = { LOG_LEVEL: 'silent', PAYEE_KEY: 'b2'.repeat(32) };
    const cli = (...args: string[]) => runCli([...args, '--config', configFile], env);

    expect((await cli('periods', 'close', '2026-03', '--yes')).code).toBe(0);
    const proposed = await cli(
      'adjustments',
      'propose',
      '--partner',
      'p1',
      '--amount',
      '-40.00',
      '--reason',
      'duplicate bonus',
      '--period',
      '2026-03',
      '--by',
      'ana',
    );
    expect(proposed.code).toBe(0);
    const id = /adjustment ([0-9a-f-]{36})/.exec(proposed.stdout)?.[1] ?? '';
    expect(
      (await cli('adjustments', 'propose', '--partner', 'p1', '--amount', '5', '--reason', 'x', '--period', '2026-03'))
        .code,
    ).toBe(2);
    const self = await cli('adjustments', 'approve', id, '--by', 'ana');
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('four eyes');
    const ok = await cli('adjustments', 'approve', id, '--by', 'ben');
    expect(ok.code).toBe(0);
    // March is closed: booked in April
    expect(ok.stdout).toMatch(new RegExp(`posted manual:${id} \\(#\\d+\\) in 2026-04`));
    const list = JSON.parse((await cli('adjustments', 'list', '--status', 'approved')).stdout) as { id: string }[];
    expect(list.map((a) => a.id)).toEqual([id]);

    const created = await cli('payouts', 'create', '--cutoff', '2026-04-30', '--by', 'ana');
    expect(created.code).toBe(0);
    const runId = /payout run (PR-\d{8}-\d{2})/.exec(created.stdout)?.[1] ?? '';
    expect(runId).toBe('PR-20260430-01');
    expect((await cli('payouts', 'approve', runId, '--by', 'ana')).code).toBe(2);
    expect((await cli('payouts', 'approve', runId, '--by', 'ben')).code).toBe(0);
    const csv = await cli('payouts', 'export', runId);
    const p1Line =
      csv.stdout
        .split('\r\n')
        .find((l) => l.includes(',p1,'))
        ?.split(',')[1] ?? '';
    expect(p1Line).toBe(`${runId}-001`);

    writeFileSync(
      path.join(dir, 'p1.json'),
      JSON.stringify({
        accountHolder: 'P1 GmbH',
        currency: 'EUR',
        iban: 'DE89 3704 0044 0532 0130 00',
        email: 'pay@p1.example',
      }),
    );
    expect((await cli('payees', 'set', 'p1', '--file', path.join(dir, 'p1.json'), '--by', 'ana')).stdout).toContain(
      'account …3000',
    );
    const wise = await cli('payouts', 'export', runId, '--format', 'wise');
    expect(wise.code).toBe(2);
    expect(wise.stderr).toContain('no payee details for p2, p3');

    const confirmation = path.join(dir, 'confirm.csv');
    writeFileSync(confirmation, `runId,lineId,status,reference\n${runId},${p1Line},paid,BANK-1\n`);
    expect((await cli('payouts', 'confirm', confirmation, '--by', 'ben')).code).toBe(0);
    const twice = await cli('payouts', 'mark', runId, p1Line, 'failed', '--by', 'ben');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('paid lines never change');

    const pdfFile = path.join(dir, 'p1.pdf');
    expect((await cli('statement-pdf', '--period', '2026-03', '--partner', 'p1', '--out', pdfFile)).code).toBe(0);
    expect(readFileSync(pdfFile).subarray(0, 5).toString()).toBe('%PDF-');

    const good = await cli('reconcile');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('reconciled');
    const store = await openStore(`sqlite:${dbFile}`);
    await sql`update ledger_entries set amount = amount - 100 where key = 'd1:p1:2026-02'`.execute(store.db);
    await store.close();
    const bad = await cli('reconcile');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /difference: payout line PR-20260430-01-001 \(paid\) of p1: .* recorded, its ledger entries now sum to/,
    );
    expect(bad.stderr).toMatch(/difference: p1: ledger .* ≠ paid/);
  });
});
