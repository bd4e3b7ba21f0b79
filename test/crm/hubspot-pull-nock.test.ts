// nock contract tests of the HubSpot pull: the requests the adapter sends (as the SDK builds
// them) and what it makes of HubSpot's documented answers.

import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrmError, type PullCursor } from '../../src/crm/port.ts';
import { drain } from './adapter-contract.ts';
import {
  associationsJson,
  batchJson,
  BASE,
  companyJson,
  dealJson,
  filterValue,
  hubspot,
  nockAdapter,
  pageJson,
  PIPELINES,
  searchJson,
  windowOf,
  type SearchBody,
} from './hubspot-nock-helpers.ts';

const body = (raw: unknown): SearchBody => (typeof raw === 'string' ? JSON.parse(raw) : raw) as SearchBody;
const ids = (raw: unknown): string[] =>
  (((typeof raw === 'string' ? JSON.parse(raw) : raw) as { inputs?: { id: string }[] }).inputs ?? []).map((i) => i.id);

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The calls after deals in every run: archived deals and archived companies, both empty. */
function noArchived(scope: nock.Scope): nock.Scope {
  return scope
    .get('/crm/objects/2026-09/deals')
    .query((q) => q['archived'] === 'true')
    .reply(200, pageJson([]))
    .get('/crm/objects/2026-09/companies')
    .query((q) => q['archived'] === 'true')
    .reply(200, pageJson([]));
}

describe('hubspot pull: a full run', () => {
  it('reads partners by search, deals by the list endpoint, companies, touches and archived deals', async () => {
    const { adapter, timer } = nockAdapter();
    const windowEnd = timer.now() - 10_000;
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search', (b: SearchBody) => {
        expect(b.filterGroups?.[0]?.filters).toEqual([{ propertyName: 'type', operator: 'EQ', value: 'PARTNER' }]);
        expect(b.sorts).toEqual([{ propertyName: 'hs_object_id', direction: 'ASCENDING' }]);
        expect(b.limit).toBe(200);
        expect(b.properties).toEqual(
          expect.arrayContaining([
            'name',
            'partner_recipe',
            'partner_rating_trust',
            'partner_fit_strategic',
            'partner_health_score',
            'type',
          ]),
        );
        return true;
      })
      .reply(
        200,
        searchJson(
          [
            companyJson(101, {
              name: 'Acme Consulting',
              partner_recipe: 'referral',
              partner_tier: 'Certified',
              partner_onboarded_at: '2025-01-15',
              partner_rating_trust: '5',
              partner_rating_ease: '2.5',
              partner_fit_strategic: '4',
              partner_health_score: '71',
              hubspot_owner_id: '777',
            }),
            companyJson(102, { name: 'Globex Partners' }),
          ],
          2,
        ),
      )
      // Partner pickers and config lists are checked on full runs (none is ours here: nothing changes).
      .post('/crm/properties/2026-09/deals/batch/read')
      .reply(200, batchJson([]))
      .post('/crm/properties/2026-09/companies/batch/read')
      .reply(200, batchJson([]))
      .get('/crm/objects/2026-09/deals')
      .query(
        (q) =>
          q['archived'] === 'false' &&
          q['limit'] === '100' &&
          q['after'] === undefined &&
          Array.isArray(q['properties']),
      )
      .reply(
        200,
        pageJson(
          [
            dealJson(1, {
              partner_source: '101',
              partner_influencers: '102',
              partner_recipe: 'referral',
              partner_commission_amount: '150.00',
            }),
            dealJson(2, {
              dealstage: 'appointmentscheduled',
              closedate: '2026-09-30',
              deal_currency_code: 'EUR',
              amount: ' 2500.50 ',
            }),
          ],
          '3',
        ),
      )
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'false' && q['after'] === '3')
      .reply(
        200,
        pageJson([
          dealJson(3, {
            dealstage: 'closedlost',
            deal_registration_partner: '102',
            deal_registration_status: 'approved',
            deal_registration_submitted_at: '2026-01-09T09:00:00Z',
            deal_registration_expires_at: '2026-04-09T09:00:00Z',
          }),
        ]),
      )
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read', (b) => {
        expect(ids(b)).toEqual(['1', '2', '3']);
        return true;
      })
      .reply(207, associationsJson({ 1: ['555', '556'], 2: ['557'], 3: [] }))
      .post(
        '/crm/objects/2026-09/deals/batch/read',
        (b: { inputs: { id: string }[]; propertiesWithHistory: string[] }) =>
          b.inputs.length === 1 && b.inputs[0]?.id === '1' && b.propertiesWithHistory[0] === 'partner_influencers',
      )
      .query({ archived: 'false' })
      .reply(
        200,
        batchJson([
          {
            ...dealJson(1),
            propertiesWithHistory: {
              partner_influencers: [
                { value: '102', timestamp: '2026-01-20T08:00:00.000Z', sourceType: 'CRM_UI' },
                { value: '', timestamp: '2026-01-15T08:00:00.000Z', sourceType: 'CRM_UI' },
                { value: '102', timestamp: '2026-01-12T08:00:00.000Z', sourceType: 'CRM_UI' },
              ],
            },
          },
        ]),
      )
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([{ ...dealJson(9), archived: true, archivedAt: '2026-02-27T00:00:00.000Z' }]))
      .get('/crm/objects/2026-09/companies')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]));

    const run = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }));
    scope.done();

    expect(run.partners.get('101')).toMatchObject({
      name: 'Acme Consulting',
      recipe: 'referral',
      tier: 'Certified',
      ownerId: '777',
      onboardedAt: '2025-01-15T05:00:00Z', // a date alone: local midnight in America/New_York
      ratings: { trust: 5, ease: 2.5, communication: null },
      fit: { strategic: 4 },
      written: { healthScore: '71', alerts: null },
    });
    expect(run.deals.get('1')).toMatchObject({
      stage: 'won',
      amount: '1000',
      currency: 'USD',
      customerId: '555',
      sourcePartnerId: '101',
      recipe: 'referral',
      closedAt: '2026-02-01T00:00:00Z',
      touches: [{ partnerId: '102', at: '2026-01-20T08:00:00Z' }],
      written: { commissionAmount: '150.00', attributionSummary: null },
    });
    expect(run.deals.get('2')).toMatchObject({
      stage: 'open',
      amount: '2500.50',
      currency: 'EUR',
      customerId: '557',
      closedAt: '2026-09-30T04:00:00Z',
      touches: [],
    });
    expect(run.deals.get('3')).toMatchObject({
      stage: 'lost',
      customerId: null,
      registration: {
        partnerId: '102',
        status: 'approved',
        submittedAt: '2026-01-09T09:00:00Z',
        decidedAt: null,
        expiresAt: '2026-04-09T09:00:00Z',
      },
    });
    expect([...run.removedDealIds]).toEqual(['9']);
    expect(run.cursor).toEqual({ v: 1, since: windowEnd, run: null });
    const pages = run.pages.map((p) => p.cursor as { run: { step: string } | null });
    expect(pages.slice(0, -1).every((c) => c.run !== null)).toBe(true);
  });

  it('fails with a CrmError when an answer does not have the documented shape, never with an empty list', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search')
      .reply(200, searchJson([], 0))
      .post('/crm/properties/2026-09/deals/batch/read')
      .reply(200, batchJson([]))
      .post('/crm/properties/2026-09/companies/batch/read')
      .reply(200, batchJson([]))
      .get('/crm/objects/2026-09/deals')
      .query(true)
      .reply(200, { results: [{ id: '1' }] });
    const err = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false })).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'bad_payload' });
  });

  it('fails when an association read reports anything but "no associations"', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search')
      .reply(200, searchJson([], 0))
      .post('/crm/properties/2026-09/deals/batch/read')
      .reply(200, batchJson([]))
      .post('/crm/properties/2026-09/companies/batch/read')
      .reply(200, batchJson([]))
      .get('/crm/objects/2026-09/deals')
      .query(true)
      .reply(200, pageJson([dealJson(1)]))
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .reply(
        207,
        batchJson(
          [],
          [
            {
              status: 'error',
              category: 'RATE_LIMITS',
              subCategory: 'crm.associations.TOO_MANY',
              message: 'Try again later',
              context: {},
            },
          ],
        ),
      );
    const err = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false })).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).message).toContain('Try again later');
  });
});

describe('hubspot pull: incremental windows', () => {
  const since = Date.parse('2026-05-31T23:00:00Z');
  const cursor: PullCursor = { v: 1, since, run: null };

  it('reads a window of more than 10,000 modified deals completely, by keyset, never paging past 10,000', async () => {
    const { adapter, timer } = nockAdapter();
    const windowEnd = timer.now() - 10_000;
    const total = 10_050;
    const requests: SearchBody[] = [];
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search', (b: SearchBody) => windowOf(b)[0] === String(since - 60_000))
      .reply(200, searchJson([], 0))
      .post('/crm/objects/2026-09/deals/search')
      .times(51)
      .reply(200, async (req: Request) => {
        const b = body(await req.json());
        requests.push(b);
        const lastId = Number(filterValue(b, 'hs_object_id', 'GT') ?? '0');
        const next = Array.from({ length: Math.min(200, total - lastId) }, (_v, i) => dealJson(lastId + i + 1));
        // HubSpot offers an offset; the adapter pages by id instead.
        return searchJson(next, total - lastId, lastId + next.length < total ? '200' : undefined);
      })
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .times(11)
      .reply(207, async (req: Request) =>
        associationsJson(Object.fromEntries(ids(await req.json()).map((id) => [id, []]))),
      );
    noArchived(scope);

    const run = await drain(adapter.pull({ mode: 'incremental', cursor, refreshLinks: false }));
    scope.done();
    expect(run.deals.size).toBe(total);
    expect(requests).toHaveLength(51);
    for (const r of requests) {
      expect(r.after).toBeUndefined();
      expect(r.sorts).toEqual([{ propertyName: 'hs_object_id', direction: 'ASCENDING' }]);
      expect(windowOf(r)).toEqual([String(since - 60_000), String(windowEnd)]);
    }
    // One page per 1,000 deals (one association read each), a checkpoint on every one.
    const dealPages = run.pages.filter((p) => p.deals.length > 0);
    expect(dealPages.map((p) => p.deals.length)).toEqual([...Array<number>(10).fill(1000), 50]);
    expect((dealPages[2]?.cursor as { run: { step: string; lastId: string; windowEnd: number } }).run).toMatchObject({
      step: 'deals',
      lastId: '3000',
      windowEnd,
    });
    expect(run.cursor).toEqual({ v: 1, since: windowEnd, run: null });
  });

  it('resumes a stopped run at its checkpoint, with the same frozen window', async () => {
    const { adapter, timer } = nockAdapter();
    timer.sleep(3_600_000).catch(() => undefined); // an hour later: the window must not move
    const frozen = {
      v: 1,
      since,
      run: {
        mode: 'incremental',
        windowStart: since - 60_000,
        windowEnd: since + 1000,
        refreshLinks: false,
        step: 'deals',
        lastId: '5000',
        after: null,
      },
    };
    const scope = hubspot()
      .post(
        '/crm/objects/2026-09/deals/search',
        (b: SearchBody) => filterValue(b, 'hs_object_id', 'GT') === '5000' && windowOf(b)[1] === String(since + 1000),
      )
      .reply(200, searchJson([dealJson(5001)], 1))
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .reply(200, associationsJson({ 5001: ['77'] }));
    noArchived(scope);
    const run = await drain(adapter.pull({ mode: 'incremental', cursor: frozen, refreshLinks: false }));
    scope.done();
    expect([...run.deals.keys()]).toEqual(['5001']);
    expect(run.cursor).toEqual({ v: 1, since: since + 1000, run: null });
  });

  it('reports deals archived since the window start, and only those', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search')
      .reply(200, searchJson([], 0))
      .post('/crm/objects/2026-09/deals/search')
      .reply(200, searchJson([], 0))
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'true' && q['after'] === undefined)
      .reply(
        200,
        pageJson(
          [
            { ...dealJson(11), archived: true, archivedAt: '2026-01-01T00:00:00.000Z' },
            { ...dealJson(12), archived: true, archivedAt: '2026-05-31T23:30:00.000Z' },
          ],
          '13',
        ),
      )
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'true' && q['after'] === '13')
      .reply(200, pageJson([{ ...dealJson(13), archived: true, archivedAt: '2026-05-31T23:59:00.000Z' }]))
      .get('/crm/objects/2026-09/companies')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]));
    const run = await drain(adapter.pull({ mode: 'incremental', cursor, refreshLinks: false }));
    scope.done();
    expect([...run.removedDealIds]).toEqual(['12', '13']);
  });

  it('with refreshLinks, reports an association change that left the modified date alone', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/search')
      .reply(200, searchJson([], 0))
      // Nothing modified in the window…
      .post('/crm/objects/2026-09/deals/search', (b: SearchBody) => windowOf(b)[0] !== undefined)
      .reply(200, searchJson([], 0))
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]))
      .get('/crm/objects/2026-09/companies')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]))
      // …but every deal's company is read again.
      .post(
        '/crm/objects/2026-09/deals/search',
        (b: SearchBody) => (b.filterGroups ?? []).length === 0 && b.properties?.join() === 'hs_object_id',
      )
      .reply(200, searchJson([dealJson(1), dealJson(2), dealJson(3)], 3))
      .post('/crm/associations/2026-09/deals/companies/batch/read', (b) => ids(b).join() === '1,2,3')
      .reply(207, associationsJson({ 1: ['500'], 2: ['600', '500'], 3: [] }));
    const run = await drain(adapter.pull({ mode: 'incremental', cursor, refreshLinks: true }));
    scope.done();
    expect(run.deals.size).toBe(0);
    expect(Object.fromEntries(run.links)).toEqual({ 1: '500', 2: '600', 3: null });
  });

  it('reports companies that stopped being partners and hides them in the partner pickers', async () => {
    const { adapter } = nockAdapter();
    const picker = (name: string): Record<string, unknown> => ({
      name,
      label: name,
      type: 'enumeration',
      fieldType: name === 'partner_influencers' ? 'checkbox' : 'select',
      groupName: 'partnersync',
      description: 'Partner companies. Managed by partnersync.',
      options: [
        { value: '7', label: 'Acme', hidden: false, displayOrder: 0 },
        { value: '8', label: 'Globex', hidden: false, displayOrder: 1 },
      ],
    });
    const patched: unknown[] = [];
    const scope = hubspot()
      // Every company modified in the window: one that stopped being a partner no longer matches the filter.
      .post('/crm/objects/2026-09/companies/search', (b: SearchBody) => {
        expect(b.filterGroups?.map((g) => g.filters.map((f) => `${f.propertyName} ${f.operator}`))).toEqual([
          ['hs_lastmodifieddate BETWEEN'],
        ]);
        return true;
      })
      .reply(
        200,
        searchJson(
          [
            companyJson(7, { name: 'Acme', type: 'PROSPECT' }),
            companyJson(8, { name: 'Globex Labs' }),
            companyJson(9, { name: 'Customer Inc', type: 'OTHER' }),
          ],
          3,
        ),
      )
      .post('/crm/properties/2026-09/deals/batch/read')
      .reply(200, batchJson(['partner_source', 'partner_influencers', 'deal_registration_partner'].map(picker)))
      .patch(/\/crm\/properties\/2026-09\/deals\/(partner_source|partner_influencers|deal_registration_partner)$/)
      .times(3)
      .reply(200, async (req: Request) => {
        const raw = (await req.json()) as object;
        patched.push(raw);
        return { ...picker(new URL(req.url).pathname.split('/').pop() ?? ''), ...raw };
      })
      .post('/crm/objects/2026-09/deals/search')
      .reply(200, searchJson([], 0));
    noArchived(scope);
    const run = await drain(adapter.pull({ mode: 'incremental', cursor, refreshLinks: false }));
    scope.done();
    expect([...run.removedPartnerIds]).toEqual(['7']); // 9 was never a partner
    expect([...run.partners.keys()]).toEqual(['8']);
    expect(patched[0]).toEqual({
      options: [
        { value: '7', label: 'Acme', hidden: true, displayOrder: 0 },
        { value: '8', label: 'Globex Labs', hidden: false, displayOrder: 1 },
      ],
    });
  });
});

describe('hubspot pullRecords', () => {
  it('reads deals and partners by id with batch reads, reporting missing ids as removed', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/deals/batch/read', (b) => ids(b).join() === '1,2')
      .query({ archived: 'false' })
      .reply(
        207,
        batchJson(
          [dealJson(1)],
          [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: 'Could not get some deals objects',
              context: { ids: ['2'] },
            },
          ],
        ),
      )
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .reply(200, associationsJson({ 1: ['500'] }))
      .post('/crm/objects/2026-09/companies/batch/read', (b) => ids(b).join() === '7,8')
      .query({ archived: 'false' })
      .reply(200, batchJson([companyJson(7), companyJson(8, { type: 'PROSPECT' })]));
    const page = await adapter.pullRecords({ deals: ['1', '2'], partners: ['7', '8'] });
    scope.done();
    expect(page.deals.map((d) => [d.id, d.customerId])).toEqual([['1', '500']]);
    expect(page.removedDealIds).toEqual(['2']);
    expect(page.partners.map((p) => p.id)).toEqual(['7']);
    expect(page.removedPartnerIds).toEqual(['8']);
    expect(nock.pendingMocks()).toEqual([]);
    expect(BASE).toBe('https://api.hubapi.com');
  });
});
