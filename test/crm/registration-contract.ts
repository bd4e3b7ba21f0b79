// The shared contract of the deal-registration capabilities (src/crm/registrations.ts, issue 19):
// every adapter that offers `registrations` passes it, on its sandbox. Like the adapter contract
// (adapter-contract.ts) it speaks domain terms only; the fixture says which partners exist.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError, type CrmAdapter, type DealRegistrations, type NewDeal } from '../../src/crm/port.ts';

export interface RegistrationFixture {
  adapter: CrmAdapter;
  /** Two partner ids of the CRM. */
  partnerIds: readonly [string, string];
  /** Waits until records created so far are searchable (a CRM's search lag); default: nothing. */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

const SUBMITTED = '2026-05-04T10:00:00.000Z';

export function describeRegistrationContract(name: string, setup: () => Promise<RegistrationFixture>): void {
  describe(`deal registration contract: ${name}`, () => {
    let fx: RegistrationFixture;
    let reg: DealRegistrations;
    const stamp = Date.now().toString(36);
    const domain = `contract-${stamp}.example`;
    let customerId = '';
    let dealId = '';

    const newDeal = (over: Partial<NewDeal> = {}): NewDeal => ({
      name: `Contract deal ${stamp}`,
      customerId,
      amount: '12500.50',
      currency: null,
      closeDate: '2026-09-30',
      pipeline: null,
      stage: null,
      ownerId: null,
      description: 'Registered by a partner',
      recipe: null,
      registration: { partnerId: fx.partnerIds[0], status: 'submitted', submittedAt: SUBMITTED },
      ...over,
    });

    beforeAll(async () => {
      fx = await setup();
      const r = fx.adapter.registrations;
      if (r === undefined) throw new Error(`${name}: the adapter offers no registrations`);
      reg = r;
    });
    afterAll(async () => {
      await fx.close();
    });

    it('finds no customer for an unknown domain, creates one, then finds it by any spelling of its domain', async () => {
      expect(await reg.findCustomerByDomain(domain)).toBeNull();
      customerId = await reg.createCustomer({ name: `Contract Customer ${stamp}`, domain });
      expect(customerId).toMatch(/\S/);
      await fx.settle?.();
      expect(await reg.findCustomerByDomain(domain)).toBe(customerId);
      expect(await reg.findCustomerByDomain(`https://www.${domain.toUpperCase()}/about`)).toBe(customerId);
      expect(await reg.findCustomerByDomain(`other-${domain}`)).toBeNull();
    });

    it('a new customer has no open deals; a created deal is linked to it and carries the registration', async () => {
      expect(await reg.openDealsOfCustomer(customerId)).toEqual([]);
      dealId = await reg.createDeal(newDeal());
      expect(dealId).toMatch(/\S/);
      const open = await reg.openDealsOfCustomer(customerId);
      expect(open.map((d) => d.dealId)).toEqual([dealId]);
      expect(open[0]).toMatchObject({ partnerId: fx.partnerIds[0], status: 'submitted', reason: null });
      expect(Date.parse(open[0]?.submittedAt ?? '')).toBe(Date.parse(SUBMITTED));
      // the sync sees it like any deal: open, on that customer, with the registration
      const page = await fx.adapter.pullRecords({ deals: [dealId], partners: [] });
      const deal = page.deals[0];
      expect(deal?.stage).toBe('open');
      expect(deal?.customerId).toBe(customerId);
      expect(deal?.registration).toMatchObject({ partnerId: fx.partnerIds[0], status: 'submitted' });
      expect(Number(deal?.amount)).toBe(12500.5);
    });

    it('setRegistration writes only the fields given and reads back; null clears one', async () => {
      await reg.setRegistration(dealId, {
        status: 'approved',
        decidedAt: '2026-05-06T09:00:00.000Z',
        expiresAt: '2026-08-04T09:00:00.000Z',
        reason: 'First to register; <b>welcome</b>',
      });
      let [state] = await reg.readRegistrations([dealId, '999999999999999']);
      expect(state).toMatchObject({
        dealId,
        partnerId: fx.partnerIds[0],
        status: 'approved',
        reason: 'First to register; <b>welcome</b>',
      });
      expect(Date.parse(state?.expiresAt ?? '')).toBe(Date.parse('2026-08-04T09:00:00.000Z'));
      expect(Date.parse(state?.submittedAt ?? '')).toBe(Date.parse(SUBMITTED));
      await reg.setRegistration(dealId, { reason: null });
      [state] = await reg.readRegistrations([dealId]);
      expect(state?.reason ?? null).toBeNull();
      expect(state?.status).toBe('approved');
      expect(await reg.readRegistrations([])).toEqual([]);
    });

    it('a second deal for the same customer is listed beside the first, with its own registration', async () => {
      const second = await reg.createDeal(
        newDeal({
          name: `Contract deal ${stamp} (2)`,
          registration: { partnerId: fx.partnerIds[1], status: 'submitted', submittedAt: SUBMITTED },
        }),
      );
      const open = await reg.openDealsOfCustomer(customerId);
      expect(open.map((d) => d.dealId).sort()).toEqual([dealId, second].sort());
      expect(open.find((d) => d.dealId === second)?.partnerId).toBe(fx.partnerIds[1]);
      expect(open.find((d) => d.dealId === dealId)?.partnerId).toBe(fx.partnerIds[0]);
    });

    it("a create the CRM refuses fails with an invalid_request CrmError carrying the CRM's reason", async () => {
      let caught: unknown = null;
      try {
        await reg.createDeal(newDeal({ stage: 'no-such-stage' }));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(CrmError);
      expect((caught as CrmError).kind).toBe('invalid_request');
      expect((caught as CrmError).message).toMatch(/\S/);
      expect((caught as CrmError).message).not.toMatch(/^(POST|Salesforce) /);
    });

    it('names its currencies', async () => {
      const c = await reg.currencies();
      expect(typeof c.multiCurrency).toBe('boolean');
      if (c.defaultCurrency !== null) expect(c.defaultCurrency).toMatch(/^[A-Z]{3}$/);
    });
  });
}
