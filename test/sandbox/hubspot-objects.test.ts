// Contract: deals, companies and tasks through the official @hubspot/api-client — list and search
// paging, every search operator, batch updates, associations, tasks, property history, archive.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FilterOperatorEnum as Op,
  type FilterGroup,
  type PublicObjectSearchRequest,
} from '@hubspot/api-client/lib/codegen/crm/deals/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import type { BatchInputSimplePublicObjectBatchInputUpsert } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import {
  PropertyCreateFieldTypeEnum as PropField,
  PropertyCreateTypeEnum as Prop,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { generateSeed } from '../../src/sandbox/seed-model.ts';
import {
  ANCHOR,
  bearer,
  failure,
  getJson,
  hubspotDump,
  hubspotSandbox,
  sdk,
  type HubspotDump,
  type HubspotFixture,
  type Plain,
} from './helpers.ts';

const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

describe('HubSpot sandbox: objects', () => {
  let fx: HubspotFixture;
  let dump: HubspotDump;
  beforeAll(async () => {
    fx = await hubspotSandbox({ limitOverrides: { 'hubspot.search.perSecond': false, 'hubspot.tenSecondly': false } });
    dump = await hubspotDump(fx.sandbox);
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('answers the account details (portal id, company currency) through the SDK', async () => {
    const res = await fx.client.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { portalId: number; companyCurrency: string; timeZone: string };
    expect(body).toMatchObject({ companyCurrency: 'USD', timeZone: 'US/Eastern' });
    expect(body.portalId).toBeGreaterThan(0);
  });

  it('pages every deal by list with `after`, in id order, with ISO dates the SDK turns into Dates', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await fx.client.crm.deals.basicApi.getPage(100, after, ['dealname', 'amount', 'deal_currency_code']);
      for (const d of page.results) {
        expect(d.createdAt).toBeInstanceOf(Date);
        ids.push(d.id);
      }
      after = page.paging?.next?.after;
    } while (after !== undefined);
    expect(ids).toHaveLength(400);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
  });

  it('pages a search with `after` offsets and reports the total', async () => {
    const request: Plain<PublicObjectSearchRequest> = {
      filterGroups: [{ filters: [{ propertyName: 'pipeline', operator: Op.HasProperty }] }],
      limit: 150,
      properties: ['dealname'],
    };
    const seen = new Set<string>();
    let after: string | undefined;
    let total: number | undefined;
    do {
      const page = await fx.client.crm.deals.searchApi.doSearch(
        sdk({ ...request, ...(after === undefined ? {} : { after }) }),
      );
      total = page.total;
      for (const d of page.results) seen.add(d.id);
      after = page.paging?.next?.after;
    } while (after !== undefined);
    expect(total).toBe(400);
    expect(seen.size).toBe(400);
  });

  const amount = (d: { properties: Record<string, string> }): number => Number(d.properties['amount']);
  const hasAmount = (d: { properties: Record<string, string> }): boolean =>
    d.properties['amount'] !== undefined && !Number.isNaN(amount(d));
  const cases: [string, Plain<FilterGroup>[], (d: HubspotDump['deals'][number]) => boolean][] = [
    [
      'EQ',
      [{ filters: [{ propertyName: 'dealstage', operator: Op.Eq, value: 'closedwon' }] }],
      (d) => d.properties['dealstage'] === 'closedwon',
    ],
    [
      'NEQ',
      [{ filters: [{ propertyName: 'dealstage', operator: Op.Neq, value: 'closedwon' }] }],
      (d) => d.properties['dealstage'] !== 'closedwon',
    ],
    [
      'LT',
      [{ filters: [{ propertyName: 'amount', operator: Op.Lt, value: '5000' }] }],
      (d) => hasAmount(d) && amount(d) < 5000,
    ],
    [
      'LTE',
      [{ filters: [{ propertyName: 'amount', operator: Op.Lte, value: '5000' }] }],
      (d) => hasAmount(d) && amount(d) <= 5000,
    ],
    [
      'GT',
      [{ filters: [{ propertyName: 'amount', operator: Op.Gt, value: '50000' }] }],
      (d) => hasAmount(d) && amount(d) > 50000,
    ],
    [
      'GTE',
      [{ filters: [{ propertyName: 'amount', operator: Op.Gte, value: '50000' }] }],
      (d) => hasAmount(d) && amount(d) >= 50000,
    ],
    [
      'BETWEEN on a datetime (epoch ms)',
      [
        {
          filters: [
            {
              propertyName: 'closedate',
              operator: Op.Between,
              value: String(Date.parse('2025-01-01T00:00:00Z')),
              highValue: String(Date.parse('2025-06-30T00:00:00Z')),
            },
          ],
        },
      ],
      (d) =>
        d.properties['closedate'] !== undefined &&
        d.properties['closedate'] >= '2025-01-01T00:00:00.000Z' &&
        d.properties['closedate'] <= '2025-06-30T00:00:00.000Z',
    ],
    [
      'IN',
      [{ filters: [{ propertyName: 'deal_currency_code', operator: Op.In, values: ['EUR', 'GBP'] }] }],
      (d) => ['EUR', 'GBP'].includes(d.properties['deal_currency_code'] ?? ''),
    ],
    [
      'NOT_IN',
      [{ filters: [{ propertyName: 'deal_currency_code', operator: Op.NotIn, values: ['USD'] }] }],
      (d) => d.properties['deal_currency_code'] !== 'USD',
    ],
    [
      'HAS_PROPERTY',
      [{ filters: [{ propertyName: 'partner_source', operator: Op.HasProperty }] }],
      (d) => d.properties['partner_source'] !== undefined,
    ],
    [
      'NOT_HAS_PROPERTY',
      [{ filters: [{ propertyName: 'partner_source', operator: Op.NotHasProperty }] }],
      (d) => d.properties['partner_source'] === undefined,
    ],
    [
      'CONTAINS_TOKEN',
      [{ filters: [{ propertyName: 'dealname', operator: Op.ContainsToken, value: 'renewal' }] }],
      (d) => /\bRenewal\b/.test(d.properties['dealname'] ?? ''),
    ],
    [
      'NOT_CONTAINS_TOKEN',
      [{ filters: [{ propertyName: 'dealname', operator: Op.NotContainsToken, value: 'renewal' }] }],
      (d) => !/\bRenewal\b/.test(d.properties['dealname'] ?? ''),
    ],
    [
      'AND inside a group, OR across groups',
      [
        {
          filters: [
            { propertyName: 'dealstage', operator: Op.Eq, value: 'closedwon' },
            { propertyName: 'deal_currency_code', operator: Op.Eq, value: 'EUR' },
          ],
        },
        {
          filters: [
            { propertyName: 'dealstage', operator: Op.Eq, value: 'closedlost' },
            { propertyName: 'deal_currency_code', operator: Op.Eq, value: 'GBP' },
          ],
        },
      ],
      (d) =>
        (d.properties['dealstage'] === 'closedwon' && d.properties['deal_currency_code'] === 'EUR') ||
        (d.properties['dealstage'] === 'closedlost' && d.properties['deal_currency_code'] === 'GBP'),
    ],
  ];

  it.each(cases)('search %s matches what the CRM holds', async (_name, filterGroups, expected) => {
    const want = dump.deals
      .filter(expected)
      .map((d) => d.id)
      .sort();
    expect(want.length).toBeGreaterThan(0);
    const got: string[] = [];
    let after: string | undefined;
    do {
      const page = await fx.client.crm.deals.searchApi.doSearch(
        sdk({ filterGroups, limit: 200, ...(after === undefined ? {} : { after }) }),
      );
      got.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
    } while (after !== undefined);
    expect(got.sort()).toEqual(want);
  });

  it('sorts search results by one property, descending', async () => {
    // HubSpot takes sorts as objects; the SDK's model says string[] and sends whatever it is given.
    const sorts = [{ propertyName: 'amount', direction: 'DESCENDING' }] as unknown as string[];
    const page = await fx.client.crm.deals.searchApi.doSearch(
      sdk({
        filterGroups: [{ filters: [{ propertyName: 'amount', operator: Op.Gt, value: '0' }] }],
        sorts,
        properties: ['amount'],
        limit: 20,
      }),
    );
    const amounts = page.results.map((r) => Number(r.properties['amount']));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
  });

  it('batch-updates companies, bumps their modified date and records property history', async () => {
    const partners = dump.companies.filter((c) => c.properties['type'] === 'PARTNER').slice(0, 3);
    const result = await fx.client.crm.companies.batchApi.update(
      sdk({
        inputs: partners.map((p, i) => ({
          id: p.id,
          properties: { partner_health_score: String(60 + i), partner_health_band: 'watch' },
        })),
      }),
    );
    expect(result.results).toHaveLength(3);
    const read = await fx.client.crm.companies.batchApi.read(
      sdk({
        inputs: partners.map((p) => ({ id: p.id })),
        properties: ['partner_health_score', 'hs_lastmodifieddate'],
        propertiesWithHistory: ['partner_health_score'],
      }),
    );
    for (const company of read.results) {
      const before = partners.find((p) => p.id === company.id);
      expect(company.updatedAt.getTime()).toBeGreaterThan(Date.parse(before?.updatedAt ?? ''));
      expect(company.propertiesWithHistory?.['partner_health_score']?.[0]?.value).toBe(
        company.properties['partner_health_score'],
      );
    }
  });

  it('rejects the whole batch update when one input is invalid', async () => {
    const [a, b] = dump.companies.filter((c) => c.properties['type'] === 'PARTNER').slice(3, 5);
    const err = await failure(
      fx.client.crm.companies.batchApi.update(
        sdk({
          inputs: [
            { id: a?.id ?? '', properties: { partner_alert_count: '2' } },
            { id: b?.id ?? '', properties: { partner_alert_count: 'two' } },
          ],
        }),
      ),
    );
    expect(err.code).toBe(400);
    const read = await fx.client.crm.companies.basicApi.getById(a?.id ?? '', ['partner_alert_count']);
    expect(read.properties['partner_alert_count']).toBeNull();
  });

  it('upserts companies by a unique-value property: created first, updated next time', async () => {
    await fx.client.crm.properties.coreApi.create(
      'companies',
      sdk({
        name: 'partner_external_id',
        label: 'External id',
        type: Prop.String,
        fieldType: PropField.Text,
        groupName: 'partnersync',
        hasUniqueValue: true,
      }),
    );
    const input = (name: string) =>
      sdk<BatchInputSimplePublicObjectBatchInputUpsert>({
        inputs: [{ id: 'ext-42', idProperty: 'partner_external_id', properties: { name } }],
      });
    const first = await fx.client.crm.companies.batchApi.upsert(input('Upserted Partner'));
    expect(first.results[0]?._new).toBe(true);
    const second = await fx.client.crm.companies.batchApi.upsert(input('Upserted Partner, renamed'));
    expect(second.results[0]?._new).toBe(false);
    expect(second.results[0]?.id).toBe(first.results[0]?.id);
    expect(
      (await fx.client.crm.companies.basicApi.getById(first.results[0]?.id ?? '', ['name'])).properties['name'],
    ).toBe('Upserted Partner, renamed');
    expect(
      (
        await failure(
          fx.client.crm.companies.batchApi.upsert(sdk({ inputs: [{ id: 'x', idProperty: 'name', properties: {} }] })),
        )
      ).code,
    ).toBe(400);
  });

  it('reports per-input failures of a batch create as a 207 when inputs carry objectWriteTraceId', async () => {
    const result = await fx.client.crm.objects.tasks.batchApi.create(
      sdk({
        inputs: [
          {
            properties: { hs_timestamp: '2026-06-05T09:00:00Z', hs_task_subject: 'ok' },
            associations: [],
            objectWriteTraceId: 'a',
          },
          { properties: { hs_task_subject: 'no due date' }, associations: [], objectWriteTraceId: 'b' },
        ],
      }),
    );
    expect(result.results.map((t) => t.objectWriteTraceId)).toEqual(['a']);
    expect('errors' in result && result.errors.map((e) => e.context['objectWriteTraceId'])).toEqual([['b']]);
  });

  it('reads deal→company associations with the primary label; a deal without one is a 207 error', async () => {
    const linked = dump.deals.filter((d) => d.associations?.['companies']).slice(0, 5);
    const unlinked = dump.deals.find((d) => !d.associations?.['companies']);
    const inputs = [...linked, ...(unlinked ? [unlinked] : [])].map((d) => ({ id: d.id }));
    const result = await fx.client.crm.associations.v4.batchApi.getPage('deals', 'companies', sdk({ inputs }));
    expect(result.results).toHaveLength(linked.length);
    for (const row of result.results) {
      const types = row.to[0]?.associationTypes ?? [];
      expect(types.map((t) => t.typeId).sort((x, y) => x - y)).toEqual([5, 341]);
      expect(types.find((t) => t.typeId === 5)?.label).toBe('Primary');
    }
    if (unlinked) expect('errors' in result && result.errors.length).toBe(1);
  });

  it('creates a task associated with a company and a deal', async () => {
    const company = dump.companies[0]?.id ?? '';
    const deal = dump.deals[0]?.id ?? '';
    const task = await fx.client.crm.objects.tasks.basicApi.create(
      sdk({
        properties: {
          hs_timestamp: '2026-06-02T09:00:00Z',
          hs_task_subject: 'Check in with partner',
          hs_task_status: 'NOT_STARTED',
          hs_task_priority: 'HIGH',
        },
        associations: [
          { to: { id: company }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 192 }] },
          { to: { id: deal }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 216 }] },
        ],
      }),
    );
    expect(task.properties['hs_task_subject']).toBe('Check in with partner');
    const links = await fx.client.crm.associations.v4.basicApi.getPage('companies', company, 'tasks');
    expect(links.results.map((l) => l.toObjectId)).toContain(task.id);
    const missing = await failure(
      fx.client.crm.objects.tasks.basicApi.create(sdk({ properties: { hs_task_subject: 'no timestamp' } })),
    );
    expect(missing.code).toBe(400);
  });

  it('keeps the history of partner_influencers: one entry per partner added, at the link time', async () => {
    const seed = generateSeed({ seed: 1, partners: 20, deals: 400, anchor: ANCHOR });
    const seeded = seed.deals.filter((d) => d.influencers.length >= 2).slice(0, 10);
    const byCreated = new Map(dump.deals.map((d) => [d.createdAt, d.id]));
    const read = await fx.client.crm.deals.batchApi.read(
      sdk({
        inputs: seeded.map((d) => ({ id: byCreated.get(d.createdAt) ?? '' })),
        properties: ['partner_influencers'],
        propertiesWithHistory: ['partner_influencers'],
      }),
    );
    expect(read.results).toHaveLength(seeded.length);
    for (const deal of read.results) {
      const source = seeded.find((d) => d.createdAt === deal.createdAt.toISOString());
      const history = deal.propertiesWithHistory?.['partner_influencers'] ?? [];
      expect(history.map((h) => h.timestamp.toISOString())).toEqual(
        [...(source?.influencers ?? [])].reverse().map((l) => l.at),
      );
      expect(history[0]?.value).toBe(deal.properties['partner_influencers']);
      expect(deal.properties['partner_influencers']?.split(';')).toHaveLength(source?.influencers.length ?? -1);
    }
  });

  it("changes a deal's company without bumping hs_lastmodifieddate", async () => {
    const deal = dump.deals.find((d) => d.associations?.['companies']);
    const other = dump.companies.find((c) => c.id !== deal?.associations?.['companies']?.[0]?.id);
    const moved = await getJson(`${fx.sandbox.url}/__sandbox/hubspot/deals/${deal?.id ?? ''}/company`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify({ companyId: other?.id }),
    });
    expect(moved.status).toBe(200);
    const read = await fx.client.crm.deals.basicApi.getById(deal?.id ?? '', ['hs_lastmodifieddate'], undefined, [
      'companies',
    ]);
    expect(read.updatedAt.toISOString()).toBe(deal?.updatedAt);
    const links = await fx.client.crm.associations.v4.batchApi.getPage(
      'deals',
      'companies',
      sdk({ inputs: [{ id: deal?.id ?? '' }] }),
    );
    expect(links.results[0]?.to.map((t) => t.toObjectId)).toEqual([other?.id]);
  });

  it('hides archived records from search but lists them with archived=true', async () => {
    const victim = dump.deals[10]?.id ?? '';
    await fx.client.crm.deals.basicApi.archive(victim);
    const search = await fx.client.crm.deals.searchApi.doSearch(
      sdk({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: Op.Eq, value: victim }] }] }),
    );
    expect(search.total).toBe(0);
    const archived = await fx.client.crm.deals.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(archived.results.map((d) => d.id)).toEqual([victim]);
    expect(archived.results[0]?.archivedAt).toBeInstanceOf(Date);
    expect((await failure(fx.client.crm.deals.basicApi.getById(victim))).code).toBe(404);
  });

  it('serves deal pipelines with stage metadata and owners', async () => {
    const pipelines = await fx.client.crm.pipelines.pipelinesApi.getAll('deals');
    const stages = pipelines.results.flatMap((p) => p.stages);
    const won = stages.filter((s) => s.metadata?.['probability'] === '1.0');
    expect(won).toHaveLength(2);
    expect(won.every((s) => s.metadata?.['isClosed'] === 'true')).toBe(true);
    expect(pipelines.results.find((p) => p.id !== 'default')?.stages.every((s) => /^\d+$/.test(s.id))).toBe(true);
    const owners = await fx.client.crm.owners.ownersApi.getPage();
    expect(owners.results).toHaveLength(10);
    expect(owners.results[0]?.email).toMatch(/@sandbox-crm\.example$/);
  });
});

describe('HubSpot sandbox: the 10,000-result search cap', () => {
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({ partners: 5, deals: 10_050, limitOverrides: { 'hubspot.search.perSecond': false } });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('offers the next page past 10,000 but answers it with a 400', async () => {
    let after: string | undefined;
    let pages = 0;
    let total: number | undefined;
    for (;;) {
      const page = await fx.client.crm.deals.searchApi.doSearch(
        sdk({ limit: 200, properties: ['hs_object_id'], ...(after === undefined ? {} : { after }) }),
      );
      total = page.total;
      pages += 1;
      after = page.paging?.next?.after;
      if (after === '10000') break;
    }
    expect(total).toBe(10_050);
    expect(pages).toBe(50);
    const err = await failure(fx.client.crm.deals.searchApi.doSearch(sdk({ limit: 200, after })));
    expect(err.code).toBe(400);
    expect(err.body['category']).toBe('VALIDATION_ERROR');
    // List paging has no cap.
    const page = await fx.client.crm.deals.basicApi.getPage(100, String(Number.MAX_SAFE_INTEGER));
    expect(page.results).toEqual([]);
  });
});
