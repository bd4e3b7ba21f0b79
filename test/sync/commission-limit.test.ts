// A deal whose commission would not fit the ledger (docs/finance-rules.md §10.2): a 30-digit
// amount under a plan without capPerDeal. Through the real HubSpot adapter on the sandbox CRM, on
// SQLite and PostgreSQL: the sync rejects that deal (COMMISSION_TOO_LARGE, naming the amount, the
// limit and the fix) instead of failing, posts the rest, reverses what the deal had earned, and
// takes it back once the amount is corrected; a capped plan pays its cap on the same amount.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import { hubspotConfig, hubspotOnSandbox, type HubspotSandboxFixture } from '../crm/hubspot-fixtures.ts';
import { freshSchema, type TestSchema } from '../helpers/pg-schema.ts';
import { storeTargets, TestClock } from './helpers.ts';

const HUGE = '123456789012345678901234567890.99';

describe.each(storeTargets())('a commission beyond the ledger on $name', (target) => {
  let fx: HubspotSandboxFixture;
  let store: KyselyStore;
  let schema: TestSchema | null = null;
  const clock = new TestClock('2026-06-01T12:00:00Z');
  const config = hubspotConfig('  hubspot: { searchLagSeconds: 0, searchOverlapSeconds: 0 }\n');
  const sync = (options: { full?: boolean; deals?: string[] } = {}): Promise<SyncResult> =>
    runSync(
      { crm: fx.adapter, store, clock, logger: silentLogger(), config },
      options.deals === undefined
        ? { full: options.full === true }
        : { targeted: { deals: options.deals, partners: [] } },
    );

  beforeAll(async () => {
    fx = await hubspotOnSandbox({ sandbox: { partners: 10, deals: 160, limits: 'off' } });
    schema = target.name === 'postgres' ? await freshSchema(target.url(), 'commlimit') : null;
    store = await openStore(schema?.url ?? target.url());
  }, 60_000);
  afterAll(async () => {
    await fx.stop();
    await store.close();
    await schema?.drop();
  });

  // https://developers.hubspot.com/docs/api/crm/deals (PATCH /crm/v3/objects/deals/{dealId})
  const setProps = async (id: string, properties: Record<string, string>): Promise<void> => {
    const res = await fetch(`${fx.sandbox.url}/crm/v3/objects/deals/${id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer rep-token', 'content-type': 'application/json' },
      body: JSON.stringify({ properties }),
    });
    expect(res.status).toBe(200);
  };
  /** Posted total per key of a deal's entries. */
  const totals = async (account: string, dealId: string): Promise<Map<string, bigint>> => {
    const out = new Map<string, bigint>();
    for (const e of await store.ledgerEntries(account, {}))
      if (e.dealId === dealId) out.set(e.partnerId, (out.get(e.partnerId) ?? 0n) + e.amount);
    return out;
  };

  it(
    'rejects the deal with the amount, the limit and the fix, posts the rest, and takes it back once corrected',
    { timeout: 180_000 },
    async () => {
      const account = await fx.adapter.accountKey();
      // two won deals, read once into a scratch store, made recent (within every plan's clawback
      // window) before the store under test sees them
      const scratch = await openStore('sqlite::memory:');
      const scout = await runSync({ crm: fx.adapter, store: scratch, clock, logger: silentLogger(), config });
      const accepted = (await scratch.loadCache(account)).deals.filter(
        (d) => d.stage === 'won' && !scout.report.snapshot.rejected.some((r) => r.dealId === d.id),
      );
      await scratch.close();
      const [uncapped, capped] = accepted;
      if (uncapped === undefined || capped === undefined) throw new Error('the seed has no won deals');
      // the deal's recipe decides every row's plan: reseller pays revenue-share-12m (20%, no cap),
      // referral pays referral-tiered (capPerDeal 5000)
      const recent = { closedate: '2026-05-20T12:00:00.000Z', amount: '20000.00' };
      await setProps(uncapped.id, { ...recent, partner_recipe: 'reseller' });
      await setProps(capped.id, { ...recent, partner_recipe: 'referral' });
      const before = await sync({ full: true });
      expect(before.status).toBe('succeeded');
      expect([...(await totals(account, uncapped.id)).values()].some((t) => t > 0n)).toBe(true);

      await setProps(uncapped.id, { amount: HUGE });
      await setProps(capped.id, { amount: HUGE });
      // as a webhook would: a targeted run, which computes scoped (docs/architecture.md §4b)
      const second = await sync({ deals: [uncapped.id, capped.id] });
      expect(second.report.error ?? null).toBeNull();
      expect(second.status).toBe('succeeded');
      expect(second.report.scope?.mode).toBe('scoped');
      expect(second.report.writeBack.failures).toEqual([]);
      const rejected = second.report.snapshot.rejected;
      expect(rejected.filter((r) => r.reason === 'COMMISSION_TOO_LARGE')).toEqual([
        {
          dealId: uncapped.id,
          reason: 'COMMISSION_TOO_LARGE',
          detail: `amount "${HUGE}" USD: a partner's commission on it would exceed the most the ledger holds for one partner on one deal (90071992547409.91 USD) — correct the amount in the CRM, or set capPerDeal on the plan that pays it`,
        },
      ]);
      // the rest goes on: the same other rejections, every other deal computed
      expect(rejected.length).toBe(before.report.snapshot.rejected.length + 1);
      // what the deal had earned is reversed (an adjustment naming the rejection); the capped
      // plan pays its cap (5,000.00) to every partner it credits on the same amount
      expect([...(await totals(account, uncapped.id)).values()].every((t) => t === 0n)).toBe(true);
      const reversal = (await store.ledgerEntries(account, {})).find(
        (e) => e.dealId === uncapped.id && e.runId === second.runId,
      );
      expect(reversal?.reason).toContain(`is rejected (COMMISSION_TOO_LARGE)`);
      const cappedTotals = await totals(account, capped.id);
      expect(cappedTotals.size).toBeGreaterThan(0);
      expect([...cappedTotals.values()].every((t) => t === 500000n)).toBe(true);
      expect(second.report.ledger.posted.adjustment).toBeGreaterThanOrEqual(1 + cappedTotals.size);

      // a whole-account run computes the same: nothing more to post or write, the same rejection
      const full = await sync({ full: true });
      expect(full.status).toBe('succeeded');
      expect(full.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
      expect(full.report.writeBack.failures).toEqual([]);
      expect(full.report.snapshot.rejected).toEqual(rejected);

      // corrected in the CRM: the deal counts again and earns again
      await setProps(uncapped.id, { amount: '25000.00' });
      const fixed = await sync();
      expect(fixed.status).toBe('succeeded');
      expect(fixed.report.snapshot.rejected.some((r) => r.dealId === uncapped.id)).toBe(false);
      expect([...(await totals(account, uncapped.id)).values()].some((t) => t > 0n)).toBe(true);
    },
  );
});
