// Reconcile on the demo program (config/examples/demo.yaml on the in-process HubSpot sandbox,
// smaller), SQLite and PostgreSQL: syncs, manual adjustments, closes and payout runs (one paid,
// one line failed), then `reconcile` agrees everywhere; a tampered entry makes it name the
// difference.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { financeAudit } from '../../src/audit/finance-audit.ts';
import { readEnv } from '../../src/config/env.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { monthLabel, TimeZone } from '../../src/domain/time.ts';
import type { FinanceDeps } from '../../src/ledger/finance-deps.ts';
import { approveAdjustment, proposeAdjustment } from '../../src/ledger/manual.ts';
import { approvePayoutRun, createPayoutRun, settleLines } from '../../src/ledger/payouts.ts';
import { closePeriod } from '../../src/ledger/periods.ts';
import { reconcile } from '../../src/ledger/reconcile.ts';
import { silentLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { storeTargets } from '../sync/helpers.ts';

const demo = readFileSync('config/examples/demo.yaml', 'utf8').split('\ncrm:')[0] ?? '';

describe.each(storeTargets())('reconcile on the demo program ($name)', (target) => {
  it('passes after syncs, adjustments, closes and payouts; fails naming a tampered entry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-demo-rec-'));
    const loaded = {
      file: 'demo.yaml',
      ...parseConfigText(
        `${demo}\ncrm:\n  provider: sandbox-hubspot\n  sandbox: { seed: 7, partners: 12, deals: 160, stateFile: ${JSON.stringify(path.join(dir, 'sandbox.json'))} }\n  hubspot: { searchLagSeconds: 0 }\n`,
        'demo.yaml',
      ),
    };
    // PostgreSQL: a schema of its own (the sandbox account is the same on every run)
    const schema = target.name === 'postgres' ? await freshSchema(target.url(), 'demorec') : null;
    const store = await openStore(schema?.url ?? target.url());
    const crm = await createCrmAdapter(loaded, { env: readEnv({}), logger: silentLogger(), dataDir: dir });
    try {
      const deps = { crm, store, clock: systemClock, logger: silentLogger(), config: loaded };
      const fd: FinanceDeps = { ...deps, audit: financeAudit(deps, 'cli') };
      await crm.provision({ dryRun: false });
      const first = await runSync(deps, { full: true });
      expect(first.status).toBe('succeeded');
      const account = first.account;
      const tz = new TimeZone(loaded.program.timezone);
      const month = tz.monthOf(systemClock.now());
      const entries = await store.ledgerEntries(account, {});
      expect(entries.length).toBeGreaterThan(10);
      const partnerA = entries[0]?.partnerId ?? '';
      const partnerB = entries.find((e) => e.partnerId !== partnerA)?.partnerId ?? '';

      // two months back closed; an adjustment into it lands in the next open month
      await closePeriod(deps, account, monthLabel(month - 3), 'ana');
      const bonus = await proposeAdjustment(
        fd,
        account,
        { partnerId: partnerA, amount: '125.50', reason: 'launch bonus', period: monthLabel(month - 3) },
        'ana',
      );
      await approveAdjustment(fd, account, bonus.id, 'ben');
      const fix = await proposeAdjustment(
        fd,
        account,
        { partnerId: partnerB, amount: '-20.00', reason: 'duplicate referral', period: monthLabel(month - 1) },
        'ben',
      );
      await approveAdjustment(fd, account, fix.id, 'ana');
      expect((await runSync(deps)).status).toBe('succeeded');

      await closePeriod(deps, account, monthLabel(month - 2), 'ana');
      const today = tz.localDate(systemClock.now());
      const run1 = await createPayoutRun(fd, account, today, 'ana', { minimum: '50.00', holdPartners: [] });
      await approvePayoutRun(fd, account, run1.run.id, 'ben');
      const [paidLine, failedLine] = run1.run.lines;
      await settleLines(
        fd,
        account,
        [
          { runId: run1.run.id, lineId: paidLine?.id ?? '', status: 'paid', reference: 'B-1' },
          ...(failedLine === undefined
            ? []
            : [{ runId: run1.run.id, lineId: failedLine.id, status: 'failed' as const, reference: null }]),
        ],
        'ben',
      );

      await closePeriod(deps, account, monthLabel(month - 1), 'ana');
      const run2 = await createPayoutRun(fd, account, today, 'ben', { minimum: '0', holdPartners: [] });
      await approvePayoutRun(fd, account, run2.run.id, 'ana');
      expect((await runSync(deps)).status).toBe('succeeded');

      const ok = await reconcile(fd, account);
      expect(ok.differences).toEqual([]);
      expect(ok.ok).toBe(true);
      expect(BigInt(ok.total.paid.replace('.', ''))).toBeGreaterThan(0n);
      expect((await reconcile(fd, account, monthLabel(month - 1))).ok).toBe(true);

      const victim = paidLine?.entryIds[0] ?? '';
      await sql`update ledger_entries set amount = amount + 7 where id = ${victim}`.execute(store.db);
      const bad = await reconcile(fd, account);
      expect(bad.ok).toBe(false);
      expect(bad.differences.some((d) => d.check === 'payout-line' && d.message.includes(paidLine?.id ?? '?'))).toBe(
        true,
      );
      expect(bad.differences.some((d) => d.check === 'payout-balance' && d.partnerId === paidLine?.partnerId)).toBe(
        true,
      );
    } finally {
      await crm.close();
      await store.close();
      await schema?.drop();
    }
  });
});
