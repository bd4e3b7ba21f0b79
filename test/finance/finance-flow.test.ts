// Issue 20 end to end on SQLite and PostgreSQL: a manual adjustment needs a second person, lands
// in the export, the statement and the next payout run, and the next sync leaves it alone; a
// payout run approved and paid, then a clawback, carries the negative balance into the next run;
// reconcile passes after all of it and names the difference when an entry is tampered with.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { financeAudit } from '../../src/audit/finance-audit.ts';
import { commissionExport, statements, statementsCsv } from '../../src/ledger/exports.ts';
import type { FinanceDeps } from '../../src/ledger/finance-deps.ts';
import { AccountLostError } from '../../src/ledger/errors.ts';
import { approveAdjustment, manualEntry, proposeAdjustment, rejectAdjustment } from '../../src/ledger/manual.ts';
import { TimeZone } from '../../src/domain/time.ts';
import { approvePayoutRun, createPayoutRun, settleLines } from '../../src/ledger/payouts.ts';
import { closePeriod } from '../../src/ledger/periods.ts';
import { reconcile } from '../../src/ledger/reconcile.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { makeWorld, seedCrm, storeTargets, type World } from '../sync/helpers.ts';

const settings = { minimum: '0', holdPartners: [] };

function financeDeps(w: World): FinanceDeps {
  return {
    ...w.deps,
    store: w.store,
    audit: financeAudit({ store: w.store, clock: w.clock, logger: silentLogger() }, 'cli'),
  };
}

describe.each(storeTargets())('finance on $name', (target) => {
  it('manual adjustment: four eyes, export, statement, payout run, untouched by the next sync', async () => {
    const w = await makeWorld(target);
    const fd = financeDeps(w);
    const account = w.crm.account;
    seedCrm(w.crm);
    await runSync(w.deps);
    await closePeriod(w.deps, account, '2026-02', 'ana');

    const a = await proposeAdjustment(
      fd,
      account,
      {
        partnerId: 'p1',
        amount: '250.00',
        reason: 'goodwill for the March outage (ticket 812)',
        description: 'Goodwill bonus',
        period: '2026-02',
      },
      'ana',
    );
    await expect(approveAdjustment(fd, account, a.id, 'ana')).rejects.toThrow(/cannot approve it too/);
    await expect(approveAdjustment(fd, account, a.id, ' ANA ')).rejects.toThrow(/four eyes/);
    const { entry } = await approveAdjustment(fd, account, a.id, 'ben');
    expect(entry).toMatchObject({
      key: `manual:${a.id}`,
      kind: 'manual',
      period: '2026-03',
      originalPeriod: '2026-02',
      amount: 25000n,
    });
    expect(entry.inputs.manual).toMatchObject({ proposedBy: 'ana', approvedBy: 'ben', reason: a.reason });
    await expect(approveAdjustment(fd, account, a.id, 'carl')).rejects.toThrow(/already approved by ben/);

    // a stale fence (another process took the account since) posts nothing
    const c = await proposeAdjustment(
      fd,
      account,
      { partnerId: 'p1', amount: '5', reason: 'fence', period: '2026-03' },
      'ana',
    );
    const stale = { account, epoch: 999, session: null };
    await expect(
      w.store.finance.approveAdjustment(
        stale,
        c.id,
        'ben',
        w.clock.now(),
        manualEntry(c, { approvedBy: 'ben', at: w.clock.now(), through: null, tz: new TimeZone('UTC'), exponent: 2 }),
      ),
    ).rejects.toThrow(AccountLostError);
    expect((await w.store.finance.adjustment(account, c.id))?.status).toBe('proposed');
    await rejectAdjustment(fd, account, c.id, 'ana', 'withdrawn');

    // a second one, rejected, never reaches the ledger
    const b = await proposeAdjustment(
      fd,
      account,
      { partnerId: 'p2', amount: '-40', reason: 'typo', period: '2026-03' },
      'ana',
    );
    await rejectAdjustment(fd, account, b.id, 'ben', 'not needed');
    await expect(
      proposeAdjustment(fd, account, { partnerId: 'nobody', amount: '1', reason: 'x', period: '2026-03' }, 'ana'),
    ).rejects.toThrow(/partnerId: nobody/);
    await expect(
      proposeAdjustment(fd, account, { partnerId: 'p1', amount: '1.5x', reason: 'x', period: '2026-03' }, 'ana'),
    ).rejects.toThrow(/amount/);

    const x = await commissionExport(w.deps, account, '2026-03');
    const line = x.entries.find((l) => l.key === `manual:${a.id}`);
    expect(line).toMatchObject({ type: 'manual', amount: '250.00', originalPeriod: '2026-02' });
    expect(x.totals.manual).toBe('250.00');
    const st = await statements(w.deps, account, '2026-03', 'p1');
    expect(st.partners[0]?.lines.find((l) => l.key === `manual:${a.id}`)?.explanation).toBe('Goodwill bonus');
    const csv = statementsCsv(st);
    expect(csv).toContain('Goodwill bonus');
    expect(csv).not.toContain('ticket 812');

    // the next syncs (a CRM change included) never reverse it
    w.clock.set('2026-04-03T00:00:00Z');
    w.crm.updateDeal('d1', { amount: '12000.00' });
    await runSync(w.deps);
    await runSync(w.deps);
    const manual = (await w.store.ledgerEntries(account, {})).filter((e) => e.key === `manual:${a.id}`);
    expect(manual).toHaveLength(1);
    expect(x.entries.filter((l) => l.key.startsWith('manual:'))).toHaveLength(1);

    // closed through March: the next payout run pays it
    await closePeriod(w.deps, account, '2026-03', 'ana');
    const { run } = await createPayoutRun(fd, account, '2026-04-30', 'ana', settings);
    const p1 = run.lines.find((l) => l.partnerId === 'p1');
    expect(p1?.entryIds).toContain(entry.id);
    const audit = await w.store.auditEntries({ limit: 50 });
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['adjustment.propose', 'adjustment.approve', 'adjustment.reject', 'payout.create']),
    );
    expect((await reconcile(fd, account)).differences).toEqual([]);
    await w.store.close();
  });

  it('payout run approved and paid, then a clawback: the next run carries the negative balance; reconcile', async () => {
    const w = await makeWorld(target);
    const fd = financeDeps(w);
    const account = w.crm.account;
    seedCrm(w.crm);
    await runSync(w.deps);
    w.clock.set('2026-04-02T00:00:00Z');
    await runSync(w.deps);
    await closePeriod(w.deps, account, '2026-03', 'ana');

    const first = await createPayoutRun(fd, account, '2026-04-30', 'ana', { minimum: '0', holdPartners: ['p2'] });
    expect(first.run.id).toBe('PR-20260430-01');
    expect(first.waiting.map((x) => `${x.partnerId} ${x.reason}`)).toContain('p2 held_partner');
    await expect(approvePayoutRun(fd, account, first.run.id, 'ana')).rejects.toThrow(/four eyes/);
    // lines cannot be marked before approval
    const early = await settleLines(
      fd,
      account,
      [{ runId: first.run.id, lineId: `${first.run.id}-001`, status: 'paid', reference: 'x' }],
      'ben',
    );
    expect(early[0]?.outcome).toBe('run_not_approved');
    await approvePayoutRun(fd, account, first.run.id, 'ben');
    const p1Line = first.run.lines.find((l) => l.partnerId === 'p1');
    const p3Line = first.run.lines.find((l) => l.partnerId === 'p3');
    expect(p1Line && p3Line).toBeTruthy();
    const settled = await settleLines(
      fd,
      account,
      [
        { runId: first.run.id, lineId: p1Line?.id ?? '', status: 'paid', reference: 'WISE-1' },
        { runId: first.run.id, lineId: p3Line?.id ?? '', status: 'failed', reference: 'bounced' },
      ],
      'ben',
    );
    expect(settled.map((s) => s.outcome)).toEqual(['settled', 'settled']);
    // paid lines never change
    const again = await settleLines(
      fd,
      account,
      [{ runId: first.run.id, lineId: p1Line?.id ?? '', status: 'failed', reference: null }],
      'ben',
    );
    expect(again[0]?.outcome).toBe('final');
    expect((await reconcile(fd, account)).ok).toBe(true);

    // d1 lost after it was paid: the clawback is booked in April
    w.clock.set('2026-04-10T00:00:00Z');
    w.crm.updateDeal('d1', { stage: 'lost' });
    await runSync(w.deps);
    w.clock.set('2026-05-02T00:00:00Z');
    await runSync(w.deps);
    await closePeriod(w.deps, account, '2026-04', 'ana');
    const second = await createPayoutRun(fd, account, '2026-05-31', 'ben', settings);
    // p1's balance is the clawback of what was paid: negative, it waits and nets into a later run
    const p1Waiting = second.waiting.find((x) => x.partnerId === 'p1');
    expect(p1Waiting?.reason).toBe('not_positive');
    expect(p1Waiting?.amount).toBeLessThan(0n);
    expect(second.run.lines.some((l) => l.partnerId === 'p1')).toBe(false);
    // the failed line's entries came back: p3 is paid again in the second run, and p2 after its hold
    expect(second.run.lines.find((l) => l.partnerId === 'p3')?.entryIds).toEqual(
      expect.arrayContaining(p3Line?.entryIds ?? []),
    );
    await approvePayoutRun(fd, account, second.run.id, 'ana');

    const ok = await reconcile(fd, account);
    expect(ok.differences).toEqual([]);
    const p1 = ok.partners.find((p) => p.partnerId === 'p1');
    expect(p1?.paid).toBe('1330.00');
    expect(p1?.unpaid).toBe('-1000.00');

    // tamper with one paid entry: reconcile names the line, the partner and the balance
    const paidEntry = p1Line?.entryIds[0] ?? '';
    await sql`update ledger_entries set amount = amount + 1 where id = ${paidEntry}`.execute(w.store.db);
    const bad = await reconcile(fd, account);
    expect(bad.ok).toBe(false);
    expect(bad.differences.map((d) => d.message).join('\n')).toMatch(new RegExp(`payout line ${p1Line?.id}.*p1`));
    expect(bad.differences.some((d) => d.check === 'payout-balance' && d.partnerId === 'p1')).toBe(true);
    // and a removed entry is a gap in the numbering
    await sql`delete from ledger_entries where account = ${account} and seq = 2`.execute(w.store.db);
    expect((await reconcile(fd, account)).differences.map((d) => d.message)).toContain(
      'ledger: entry number 2 missing (next is 3)',
    );
    await w.store.close();
  });
});
