// The shared CrmAdapter contract: one vitest suite every adapter must pass (HubSpot on the sandbox,
// Salesforce on the sandbox, the in-memory fake). It checks the port's promises in domain terms
// only, so it knows nothing of any CRM's API: what it needs to change behind the adapter's back
// (mutate deals, archive a deal, demote a partner, move a deal to another customer, break the
// CRM) comes from the fixture.
//
// Usage (one file per adapter, e.g. test/crm/hubspot-contract.test.ts):
//
//   describeAdapterContract('hubspot (sandbox)', async () => ({ adapter, mutateDeals, … }));
//
// `setup` runs once per suite (beforeAll); tests run in order but each one starts its own pulls,
// so a failing test does not cascade. Keep this file stable: other adapters depend on it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CrmError,
  sameValue,
  type ContactFilter,
  RESULT_FIELD_KINDS,
  type CrmAdapter,
  type PullCursor,
  type PullPage,
  type PullRequest,
  type PulledDeal,
  type PulledPartner,
  type TaskRequest,
} from '../../src/crm/port.ts';

export interface ContractFixture {
  adapter: CrmAdapter;
  /** Changes `count` deals in the CRM (amount or stage, bumping their modified time); answers their ids as the adapter reports them. */
  mutateDeals(count: number): Promise<string[]>;
  /** Deletes or archives one deal in the CRM. */
  removeDeal(dealId: string): Promise<void>;
  /** Makes one partner record stop being a partner (e.g. its type changes), bumping its modified time. */
  demotePartner(partnerId: string): Promise<void>;
  /**
   * Moves a deal to another customer record, the way a rep does it in the CRM (in HubSpot this
   * changes an association and leaves the modified date alone). Answers the new customer id.
   */
  changeDealCustomer(dealId: string): Promise<string>;
  /** A partnerContacts filter that some, but not all, of the partners' contacts with an e-mail match. */
  contactFilter: ContactFilter;
  /** Makes every further CRM call fail (server gone, token revoked, …). Called last. */
  breakCrm(): Promise<void>;
  /**
   * Waits until changes made so far are visible to incremental reads (a CRM's search lag); the
   * default does nothing.
   */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

export interface Drained {
  pages: PullPage[];
  partners: Map<string, PulledPartner>;
  deals: Map<string, PulledDeal>;
  links: Map<string, string | null>;
  removedDealIds: Set<string>;
  removedPartnerIds: Set<string>;
  cursor: PullCursor | null;
}

/** Reads every page of a pull; later pages win for a record seen twice (overlapping windows). */
export async function drain(pages: AsyncIterable<PullPage>, stopAfter = Infinity): Promise<Drained> {
  const out: Drained = {
    pages: [],
    partners: new Map(),
    deals: new Map(),
    links: new Map(),
    removedDealIds: new Set(),
    removedPartnerIds: new Set(),
    cursor: null,
  };
  for await (const page of pages) {
    out.pages.push(page);
    for (const p of page.partners) out.partners.set(p.id, p);
    for (const d of page.deals) out.deals.set(d.id, d);
    for (const l of page.links) out.links.set(l.dealId, l.customerId);
    for (const id of page.removedDealIds) out.removedDealIds.add(id);
    for (const id of page.removedPartnerIds) out.removedPartnerIds.add(id);
    out.cursor = page.cursor;
    if (out.pages.length >= stopAfter) break;
  }
  return out;
}

/** A cursor as the sync stores it: through JSON and back. */
export function roundTrip(cursor: PullCursor | null): PullCursor | null {
  return cursor === null ? null : (JSON.parse(JSON.stringify(cursor)) as PullCursor);
}

const full = (cursor: PullCursor | null = null): PullRequest => ({ mode: 'full', cursor, refreshLinks: false });
const incremental = (cursor: PullCursor | null, refreshLinks = false): PullRequest => ({
  mode: 'incremental',
  cursor: roundTrip(cursor),
  refreshLinks,
});

async function expectCrmError(run: () => Promise<unknown>): Promise<CrmError> {
  let caught: unknown = null;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'the call must fail with a CrmError, never resolve with an empty result').toBeInstanceOf(CrmError);
  return caught as CrmError;
}

export function describeAdapterContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`CrmAdapter contract: ${name}`, () => {
    let fx: ContractFixture;
    let adapter: CrmAdapter;
    let baseline: Drained;
    // Records the tests below remove or demote; later tests pick among the others.
    const gone = new Set<string>();
    const liveDeals = (): string[] => [...baseline.deals.keys()].filter((id) => !gone.has(id));
    const livePartners = (): string[] => [...baseline.partners.keys()].filter((id) => !gone.has(id));

    const settle = async (): Promise<void> => {
      await fx.settle?.();
    };

    beforeAll(async () => {
      fx = await setup();
      adapter = fx.adapter;
      baseline = await drain(adapter.pull(full()));
    });

    afterAll(async () => {
      await fx.close();
    });

    it('identifies the CRM account with a stable key', async () => {
      const a = await adapter.accountKey();
      const b = await adapter.accountKey();
      expect(a).toMatch(/\S/);
      expect(b).toBe(a);
    });

    it('a full pull delivers partners and well-formed deals, with a JSON checkpoint on every page', () => {
      expect(baseline.pages.length).toBeGreaterThan(0);
      expect(baseline.partners.size).toBeGreaterThan(0);
      expect(baseline.deals.size).toBeGreaterThan(0);
      for (const page of baseline.pages) expect(roundTrip(page.cursor)).toEqual(page.cursor);
      for (const deal of baseline.deals.values()) {
        expect(['open', 'won', 'lost']).toContain(deal.stage);
        expect(Number.isNaN(Date.parse(deal.createdAt)), `deal ${deal.id} createdAt ${deal.createdAt}`).toBe(false);
        if (deal.closedAt) expect(Number.isNaN(Date.parse(deal.closedAt)), `deal ${deal.id} closedAt`).toBe(false);
        for (const t of deal.touches ?? []) expect(Number.isNaN(Date.parse(t.at)), `deal ${deal.id} touch`).toBe(false);
        expect(typeof deal.written).toBe('object');
      }
      for (const partner of baseline.partners.values()) expect(typeof partner.written).toBe('object');
    });

    it('a full pull resumed from any page checkpoint ends with the same records', async () => {
      const complete = await drain(adapter.pull(full()));
      const first = await drain(adapter.pull(full()), 1);
      const rest = await drain(adapter.pull(full(roundTrip(first.cursor))));
      const ids = new Set([...first.deals.keys(), ...rest.deals.keys()]);
      expect([...ids].sort()).toEqual([...complete.deals.keys()].sort());
      const partnerIds = new Set([...first.partners.keys(), ...rest.partners.keys()]);
      expect([...partnerIds].sort()).toEqual([...complete.partners.keys()].sort());
    });

    it('an incremental pull returns the deals changed since the checkpoint, with their new values', async () => {
      const before = await drain(adapter.pull(full()));
      const changed = await fx.mutateDeals(3);
      expect(changed.length).toBe(3);
      await settle();
      const after = await drain(adapter.pull(incremental(before.cursor)));
      for (const id of changed)
        expect(after.deals.has(id), `changed deal ${id} missing from the incremental pull`).toBe(true);
      expect(after.deals.size).toBeLessThan(before.deals.size);
      const moved = changed.filter((id) => {
        const a = before.deals.get(id);
        const b = after.deals.get(id);
        return a && b && (a.stage !== b.stage || String(a.amount) !== String(b.amount));
      });
      expect(moved.length, 'mutated deals show a new stage or amount').toBeGreaterThan(0);
      // Nothing changed since: the next incremental pull has nothing new to say about these deals' values.
      const again = await drain(adapter.pull(incremental(after.cursor)));
      for (const d of again.deals.values()) expect(d).toEqual(after.deals.get(d.id) ?? d);
    });

    it('reports an archived deal in removedDealIds and no longer delivers it', async () => {
      const before = await drain(adapter.pull(full()));
      const victim = liveDeals()[0] ?? '';
      gone.add(victim);
      await fx.removeDeal(victim);
      await settle();
      const after = await drain(adapter.pull(incremental(before.cursor)));
      expect(after.removedDealIds.has(victim)).toBe(true);
      expect(after.deals.has(victim)).toBe(false);
      const fresh = await drain(adapter.pull(full()));
      expect(fresh.deals.has(victim)).toBe(false);
    });

    it('reports a record that stopped being a partner in removedPartnerIds', async () => {
      const before = await drain(adapter.pull(full()));
      const victim = livePartners().at(-1) ?? '';
      gone.add(victim);
      await fx.demotePartner(victim);
      await settle();
      const after = await drain(adapter.pull(incremental(before.cursor)));
      expect(after.removedPartnerIds.has(victim)).toBe(true);
      expect(after.partners.has(victim)).toBe(false);
    });

    it('a pull with refreshLinks reports a deal moved to another customer', async () => {
      const before = await drain(adapter.pull(full()));
      const deal = liveDeals().find((id) => before.deals.get(id)?.customerId) ?? '';
      const customer = await fx.changeDealCustomer(deal);
      await settle();
      const after = await drain(adapter.pull(incremental(before.cursor, true)));
      const seen = after.deals.get(deal)?.customerId ?? after.links.get(deal);
      expect(seen).toBe(customer);
    });

    it('pullRecords reads exactly the records asked for, and reports unknown ids as removed', async () => {
      const dealIds = liveDeals().slice(-2);
      const partnerIds = livePartners().slice(0, 1);
      const page = await adapter.pullRecords({ deals: [...dealIds, '999999999999'], partners: partnerIds });
      expect(page.deals.map((d) => d.id).sort()).toEqual([...dealIds].sort());
      expect(page.partners.map((p) => p.id)).toEqual(partnerIds);
      expect(page.removedDealIds).toContain('999999999999');
      const empty = await adapter.pullRecords({ deals: [], partners: [] });
      expect(empty.deals).toEqual([]);
      expect(empty.partners).toEqual([]);
    });

    it('writeBack writes only the values passed and they read back as written', async () => {
      const dealIds = liveDeals().slice(-3);
      const partnerId = livePartners()[0] ?? '';
      const before = await adapter.pullRecords({ deals: dealIds, partners: [partnerId] });
      const report = await adapter.writeBack({
        partners: [{ id: partnerId, fields: { healthScore: '42', alertCount: '3' } }],
        deals: dealIds.map((id, i) => ({ id, fields: { commissionAmount: `${1000 + i}.5` } })),
      });
      expect(report).toEqual({ partnersWritten: 1, dealsWritten: 3, failed: [] });
      const after = await adapter.pullRecords({ deals: dealIds, partners: [partnerId] });
      for (const d of after.deals) {
        const i = dealIds.indexOf(d.id);
        expect(sameValue('number', d.written.commissionAmount, `${1000 + i}.5`), `deal ${d.id} commission`).toBe(true);
        const old = before.deals.find((b) => b.id === d.id);
        expect(
          sameValue(
            RESULT_FIELD_KINDS.attributionSummary,
            d.written.attributionSummary,
            old?.written.attributionSummary,
          ),
          'a field not passed is untouched',
        ).toBe(true);
      }
      const p = after.partners[0];
      expect(sameValue('number', p?.written.healthScore, '42')).toBe(true);
      expect(sameValue('number', p?.written.alertCount, '3')).toBe(true);
      expect(
        sameValue(RESULT_FIELD_KINDS.healthBand, p?.written.healthBand, before.partners[0]?.written.healthBand),
      ).toBe(true);
      // null clears a field.
      await adapter.writeBack({ partners: [{ id: partnerId, fields: { alertCount: null } }], deals: [] });
      const cleared = await adapter.pullRecords({ deals: [], partners: [partnerId] });
      expect(cleared.partners[0]?.written.alertCount ?? null).toBeNull();
      expect(await adapter.writeBack({ partners: [], deals: [] })).toEqual({
        partnersWritten: 0,
        dealsWritten: 0,
        failed: [],
      });
    });

    it('writeBack reports a bad record with its id and reason and still writes the others', async () => {
      const dealIds = liveDeals().slice(0, 5);
      const bad = dealIds[2] ?? '';
      const report = await adapter.writeBack({
        partners: [],
        deals: dealIds.map((id) => ({ id, fields: { commissionAmount: id === bad ? 'twelve hundred' : '77' } })),
      });
      expect(report.dealsWritten).toBe(4);
      expect(report.failed).toHaveLength(1);
      expect(report.failed[0]).toMatchObject({ object: 'deal', id: bad });
      expect(report.failed[0]?.reason).toMatch(/\S/);
      const after = await adapter.pullRecords({ deals: dealIds.filter((id) => id !== bad), partners: [] });
      for (const d of after.deals)
        expect(sameValue('number', d.written.commissionAmount, '77'), `deal ${d.id}`).toBe(true);
    });

    it('tasks are found by their marker after creation, and only theirs', async () => {
      const partnerId = livePartners()[0] ?? '';
      const dealId = liveDeals()[0] ?? '';
      const stamp = Date.now().toString(36);
      const tasks: TaskRequest[] = [
        {
          marker: `contract-${stamp}-a`,
          partnerId,
          dealId: null,
          ownerId: null,
          subject: 'Check in with the partner',
          body: 'Health dropped.',
          dueAt: Date.now() + 2 * 86_400_000,
          priority: 'HIGH',
        },
        {
          marker: `contract-${stamp}-b`,
          partnerId,
          dealId,
          ownerId: null,
          subject: 'Registration conflict',
          body: 'Two partners registered this customer.',
          dueAt: Date.now() + 2 * 86_400_000,
          priority: 'MEDIUM',
        },
      ];
      const created = await adapter.createTasks(tasks);
      expect(created.map((t) => t.marker).sort()).toEqual(tasks.map((t) => t.marker).sort());
      for (const t of created) expect(t.taskId).toMatch(/\S/);
      await settle();
      const found = await adapter.findTasks([...tasks.map((t) => t.marker), `contract-${stamp}-none`]);
      const byMarker = new Map(found.map((t) => [t.marker, t.taskId]));
      for (const t of created) expect(byMarker.get(t.marker)).toBe(t.taskId);
      expect(byMarker.has(`contract-${stamp}-none`)).toBe(false);
      expect(await adapter.findTasks([])).toEqual([]);
    });

    it("partnerOwners answers each partner's owner with the owner's e-mail, and leaves unknown ids out", async () => {
      const partnerIds = livePartners();
      const owners = await adapter.partnerOwners([...partnerIds, '999999999999']);
      expect(owners.length).toBeGreaterThan(0);
      const asked = new Set(partnerIds);
      for (const o of owners) {
        expect(asked.has(o.partnerId), `owner of ${o.partnerId} was not asked for`).toBe(true);
        expect(o.ownerId).toMatch(/\S/);
        if (o.email !== null) expect(o.email).toMatch(/^[^@\s]+@[^@\s]+$/);
      }
      expect(new Set(owners.map((o) => o.partnerId)).size, 'one owner per partner').toBe(owners.length);
      expect(
        owners.some((o) => o.email !== null),
        'owners have e-mail addresses',
      ).toBe(true);
      expect(await adapter.partnerOwners([])).toEqual([]);
    });

    it("partnerContacts answers the partners' contacts that have an e-mail, narrowed by the filter", async () => {
      const partnerIds = livePartners();
      const all = await adapter.partnerContacts(partnerIds, {});
      expect(all.length).toBeGreaterThan(0);
      const asked = new Set(partnerIds);
      for (const c of all) {
        expect(asked.has(c.partnerId), `contact of ${c.partnerId} was not asked for`).toBe(true);
        expect(c.email).toMatch(/^[^@\s]+@[^@\s]+$/);
      }
      const filtered = await adapter.partnerContacts(partnerIds, fx.contactFilter);
      expect(filtered.length).toBeGreaterThan(0);
      expect(filtered.length).toBeLessThan(all.length);
      const allIds = new Set(all.map((c) => `${c.partnerId}/${c.contactId}`));
      for (const c of filtered) expect(allIds.has(`${c.partnerId}/${c.contactId}`)).toBe(true);
      const one = filtered[0]?.partnerId ?? '';
      const single = await adapter.partnerContacts([one], fx.contactFilter);
      expect(single.map((c) => c.contactId).sort()).toEqual(
        filtered
          .filter((c) => c.partnerId === one)
          .map((c) => c.contactId)
          .sort(),
      );
      expect(await adapter.partnerContacts([], {})).toEqual([]);
    });

    it('counts its calls', () => {
      const stats = adapter.callStats();
      expect(stats.total).toBeGreaterThan(0);
      const counted = Object.values(stats.byEndpoint).reduce((n, e) => n + e.count, 0);
      expect(counted).toBe(stats.total);
      expect(stats.rateLimited).toBeGreaterThanOrEqual(0);
    });

    it('fails with a CrmError when the CRM fails, never with an empty result', async () => {
      const someDeal = liveDeals()[0] ?? '';
      await fx.breakCrm();
      await expectCrmError(() => drain(adapter.pull(full())));
      await expectCrmError(() => drain(adapter.pull(incremental(baseline.cursor))));
      await expectCrmError(() => adapter.pullRecords({ deals: [someDeal], partners: [] }));
      await expectCrmError(() =>
        adapter.writeBack({ partners: [], deals: [{ id: someDeal, fields: { commissionAmount: '1' } }] }),
      );
    });
  });
}
