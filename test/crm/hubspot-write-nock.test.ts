// nock contract tests of what the HubSpot adapter writes: result fields (only what is passed,
// batches of 100, a rejected batch bisected to its bad records), expired registrations, tasks
// (associations, owner, marker; no duplicate after an unclear failure), and provisioning.

import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  errorBody,
  batchJson,
  hubspot,
  nockAdapter,
  PIPELINES,
  searchJson,
  STAMP,
  type SearchBody,
} from './hubspot-nock-helpers.ts';

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

interface UpdateBody {
  inputs: { id: string; properties: Record<string, string> }[];
}

const updated = (b: UpdateBody): Record<string, unknown> =>
  batchJson(b.inputs.map((i) => ({ id: i.id, properties: i.properties, createdAt: STAMP, updatedAt: STAMP })));

describe('hubspot writeBack', () => {
  it('sends only the fields passed, under their property names, with value maps and clears as ""', async () => {
    const { adapter } = nockAdapter({
      crmYaml:
        '  hubspot: { portalId: 1 }\n  mappings:\n    partner.healthBand: { field: partner_health, values: { "At risk": at_risk, "Healthy": healthy } }\n',
    });
    const bodies: UpdateBody[] = [];
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/update', (b: UpdateBody) => {
        bodies.push(b);
        return true;
      })
      .reply(200, async (req: Request) => updated((await req.json()) as UpdateBody))
      .post('/crm/objects/2026-09/deals/batch/update', (b: UpdateBody) => {
        bodies.push(b);
        return true;
      })
      .reply(200, async (req: Request) => updated((await req.json()) as UpdateBody));
    const report = await adapter.writeBack({
      partners: [{ id: '7', fields: { healthScore: '52', healthBand: 'at_risk', alerts: null } }],
      deals: [
        { id: '1', fields: { commissionAmount: '1800.00' } },
        { id: '2', fields: {}, expireRegistration: true },
        { id: '3', fields: {} },
      ],
    });
    scope.done();
    expect(report).toEqual({ partnersWritten: 1, dealsWritten: 2, failed: [] });
    expect(bodies[0]).toEqual({
      inputs: [{ id: '7', properties: { partner_health_score: '52', partner_health: 'At risk', partner_alerts: '' } }],
    });
    expect(bodies[1]).toEqual({
      inputs: [
        { id: '1', properties: { partner_commission_amount: '1800.00' } },
        { id: '2', properties: { deal_registration_status: 'expired' } },
      ],
    });
  });

  it('writes in batches of 100', async () => {
    const { adapter } = nockAdapter();
    const sizes: number[] = [];
    const scope = hubspot()
      .post('/crm/objects/2026-09/deals/batch/update', (b: UpdateBody) => {
        sizes.push(b.inputs.length);
        return true;
      })
      .times(3)
      .reply(200, async (req: Request) => updated((await req.json()) as UpdateBody));
    const deals = Array.from({ length: 250 }, (_v, i) => ({
      id: String(i + 1),
      fields: { attributionSummary: `Acme 100% ${i}.00 sourced` },
    }));
    const report = await adapter.writeBack({ partners: [], deals });
    scope.done();
    expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(report.dealsWritten).toBe(250);
  });

  it('bisects a rejected batch: the bad record is reported with its reason, the others are written', async () => {
    const { adapter } = nockAdapter();
    const sent: string[][] = [];
    const scope = hubspot()
      .post('/crm/objects/2026-09/deals/batch/update', (b: UpdateBody) => {
        sent.push(b.inputs.map((i) => i.id));
        return true;
      })
      .times(5)
      .reply(async (req: Request) => {
        const b = (await req.json()) as UpdateBody;
        if (b.inputs.some((i) => i.id === '3')) {
          return [
            400,
            errorBody('VALIDATION_ERROR', 'Property values were not valid', [
              {
                message: 'twelve was not a valid number.',
                code: 'INVALID_FLOAT',
                context: { propertyName: ['partner_commission_amount'] },
              },
            ]),
          ];
        }
        return [200, updated(b)];
      });
    const report = await adapter.writeBack({
      partners: [],
      deals: ['1', '2', '3', '4', '5'].map((id) => ({
        id,
        fields: { commissionAmount: id === '3' ? 'twelve' : '10' },
      })),
    });
    scope.done();
    expect(report).toEqual({
      partnersWritten: 0,
      dealsWritten: 4,
      failed: [{ object: 'deal', id: '3', reason: 'twelve was not a valid number.', refusal: true }],
    });
    expect(sent).toEqual([['1', '2', '3', '4', '5'], ['1', '2', '3'], ['1', '2'], ['3'], ['4', '5']]);
  });

  it('does not bisect when a property is missing (every record would fail alike): it says to provision', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/deals/batch/update')
      .reply(
        400,
        errorBody('VALIDATION_ERROR', 'Property values were not valid', [
          { message: 'Property "partner_commission_amount" does not exist', code: 'PROPERTY_DOESNT_EXIST' },
        ]),
      );
    const err = await adapter
      .writeBack({ partners: [], deals: ['1', '2', '3'].map((id) => ({ id, fields: { commissionAmount: '1' } })) })
      .catch((e: unknown) => e);
    scope.done();
    expect(err).toMatchObject({ name: 'CrmError', kind: 'invalid_request', code: 'PROPERTY_DOESNT_EXIST' });
    expect((err as Error).message).toContain('partnersync provision');
  });

  it('throws a CrmError when HubSpot refuses the token, instead of reporting every record failed', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/deals/batch/update')
      .reply(401, errorBody('INVALID_AUTHENTICATION', 'Authentication credentials not found.'));
    const err = await adapter
      .writeBack({ partners: [], deals: [{ id: '1', fields: { commissionAmount: '1' } }] })
      .catch((e: unknown) => e);
    scope.done();
    expect(err).toMatchObject({ name: 'CrmError', kind: 'auth' });
  });
});

describe('hubspot tasks', () => {
  interface CreateBody {
    inputs: {
      properties: Record<string, string>;
      associations: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
    }[];
  }
  const created = (b: CreateBody, firstId = 900): Record<string, unknown> =>
    batchJson(
      b.inputs.map((i, n) => ({
        id: String(firstId + n),
        properties: i.properties,
        createdAt: STAMP,
        updatedAt: STAMP,
      })),
    );
  const task = (marker: string, dealId: string | null) => ({
    marker,
    partnerId: '7',
    dealId,
    ownerId: '81234500',
    subject: 'Check in with Acme',
    body: 'Health 52 < 60',
    dueAt: Date.parse('2026-06-03T17:00:00Z'),
    priority: 'HIGH' as const,
  });

  it('creates tasks in a batch with their owner, priority, due date, marker and associations', async () => {
    const { adapter } = nockAdapter();
    let sent: CreateBody | null = null;
    const scope = hubspot()
      .post('/crm/objects/2026-09/tasks/batch/create', (b: CreateBody) => {
        sent = b;
        return true;
      })
      .reply(201, async (req: Request) => created((await req.json()) as CreateBody));
    const results = await adapter.createTasks([task('ep-1', '55'), task('ep-2', null)]);
    scope.done();
    expect(results).toEqual([
      { marker: 'ep-1', taskId: '900' },
      { marker: 'ep-2', taskId: '901' },
    ]);
    expect(sent).toEqual({
      inputs: [
        {
          properties: {
            hs_timestamp: '2026-06-03T17:00:00.000Z',
            hs_task_subject: 'Check in with Acme',
            hs_task_body: 'Health 52 < 60',
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: 'HIGH',
            hs_task_type: 'TODO',
            partnersync_marker: 'ep-1',
            hubspot_owner_id: '81234500',
          },
          objectWriteTraceId: 'ep-1',
          associations: [
            { to: { id: '7' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
            { to: { id: '55' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }] },
          ],
        },
        expect.objectContaining({
          objectWriteTraceId: 'ep-2',
          associations: [
            { to: { id: '7' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
          ],
        }),
      ],
    });
  });

  it('after an unclear failure, looks the markers up and creates only the missing tasks', async () => {
    const { adapter } = nockAdapter();
    const searches: SearchBody[] = [];
    const scope = hubspot()
      .post('/crm/objects/2026-09/tasks/batch/create')
      .reply(504, errorBody('GATEWAY_TIMEOUT', 'Gateway timeout'))
      .post('/crm/objects/2026-09/tasks/search', (b: SearchBody) => {
        searches.push(b);
        return true;
      })
      .reply(
        200,
        searchJson(
          [
            {
              id: '900',
              properties: { partnersync_marker: 'ep-1', hs_object_id: '900' },
              createdAt: STAMP,
              updatedAt: STAMP,
            },
          ],
          1,
        ),
      )
      .post(
        '/crm/objects/2026-09/tasks/batch/create',
        (b: CreateBody) => b.inputs.length === 1 && b.inputs[0]?.properties['partnersync_marker'] === 'ep-2',
      )
      .reply(201, async (req: Request) => created((await req.json()) as CreateBody, 901));
    const results = await adapter.createTasks([task('ep-1', null), task('ep-2', null)]);
    scope.done();
    expect(results.sort((a, b) => (a.marker < b.marker ? -1 : 1))).toEqual([
      { marker: 'ep-1', taskId: '900' },
      { marker: 'ep-2', taskId: '901' },
    ]);
    expect(searches[0]?.filterGroups?.[0]?.filters).toEqual([
      { propertyName: 'partnersync_marker', operator: 'IN', values: ['ep-1', 'ep-2'] },
    ]);
  });

  it('finds tasks by marker with an exact-match search', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post(
        '/crm/objects/2026-09/tasks/search',
        (b: SearchBody) => b.filterGroups?.[0]?.filters[0]?.values?.join() === 'ep-1,ep-9',
      )
      .reply(
        200,
        searchJson(
          [
            {
              id: '900',
              properties: { partnersync_marker: 'ep-1', hs_object_id: '900' },
              createdAt: STAMP,
              updatedAt: STAMP,
            },
          ],
          1,
        ),
      );
    expect(await adapter.findTasks(['ep-1', 'ep-9'])).toEqual([{ marker: 'ep-1', taskId: '900' }]);
    scope.done();
  });
});

describe('hubspot provision', () => {
  const property = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name,
    label: name,
    type: 'string',
    fieldType: 'text',
    groupName: 'dealinformation',
    description: '',
    options: [],
    createdAt: STAMP,
    updatedAt: STAMP,
    archived: false,
    ...extra,
  });
  const TYPES: Record<string, [string, string]> = {
    amount: ['number', 'number'],
    deal_currency_code: ['enumeration', 'select'],
    dealstage: ['enumeration', 'radio'],
    createdate: ['datetime', 'date'],
    closedate: ['datetime', 'date'],
    hubspot_owner_id: ['enumeration', 'select'],
    type: ['enumeration', 'select'],
  };
  const std = (name: string): Record<string, unknown> =>
    property(name, { type: TYPES[name]?.[0] ?? 'string', fieldType: TYPES[name]?.[1] ?? 'text', hubspotDefined: true });
  const standard = {
    deals: ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'createdate', 'closedate', 'hubspot_owner_id'].map(
      std,
    ),
    companies: ['name', 'hubspot_owner_id', 'type'].map(std),
    tasks: [],
  };

  function reads(scope: nock.Scope, deals: unknown[], companies: unknown[] = standard.companies): nock.Scope {
    return scope
      .get('/crm/properties/2026-09/deals')
      .query(true)
      .reply(200, { results: deals })
      .get('/crm/properties/2026-09/deals/groups')
      .reply(200, {
        results: [{ name: 'dealinformation', label: 'Deal information', displayOrder: 0, archived: false }],
      })
      .get('/crm/properties/2026-09/companies')
      .query(true)
      .reply(200, { results: companies })
      .get('/crm/properties/2026-09/companies/groups')
      .reply(200, { results: [] })
      .get('/crm/properties/2026-09/tasks')
      .query(true)
      .reply(200, { results: standard.tasks })
      .get('/crm/properties/2026-09/tasks/groups')
      .reply(200, { results: [] })
      .post('/crm/objects/2026-09/companies/search')
      .reply(
        200,
        searchJson(
          [
            {
              id: '7',
              properties: { name: ' Acme  Consulting ', hs_object_id: '7' },
              createdAt: STAMP,
              updatedAt: STAMP,
            },
          ],
          1,
        ),
      )
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES);
  }

  it('a dry run reads and plans, and writes nothing', async () => {
    const { adapter } = nockAdapter();
    const scope = reads(hubspot(), standard.deals);
    const plan = await adapter.provision({ dryRun: true });
    scope.done();
    expect(plan.applied).toBe(false);
    expect(plan.actions.find((a) => a.target === 'deal property partner_source')).toMatchObject({ action: 'create' });
    expect(plan.actions.find((a) => a.target === 'deal stages')).toMatchObject({
      action: 'ok',
      detail: expect.stringContaining('won: Sales Pipeline/Closed Won') as string,
    });
  });

  it('creates groups first, then properties with rep-readable definitions, and merges option lists on update', async () => {
    const { adapter } = nockAdapter();
    const ours = property('partner_recipe', {
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'partnersync',
      label: 'Partner recipe',
      description: 'old text. Managed by partnersync.',
      options: [{ value: 'legacy', label: 'Legacy programme', hidden: false, displayOrder: 0 }],
    });
    const order: string[] = [];
    const bodies = new Map<string, Record<string, unknown>>();
    const record =
      (key: string) =>
      async (req: Request): Promise<Record<string, unknown>> => {
        const b = (await req.json()) as Record<string, unknown>;
        order.push(key);
        bodies.set(typeof b['name'] === 'string' ? `${key} ${b['name']}` : `${key} ${new URL(req.url).pathname}`, b);
        return { ...property(typeof b['name'] === 'string' ? b['name'] : 'x'), ...b };
      };
    const scope = reads(hubspot(), [...standard.deals, ours])
      .post(/\/crm\/properties\/2026-09\/(deals|companies|tasks)\/groups$/)
      .times(3)
      .reply(201, record('group'))
      .post(/\/crm\/properties\/2026-09\/(deals|companies|tasks)$/)
      .times(37)
      .reply(201, record('create'))
      .patch('/crm/properties/2026-09/deals/partner_recipe')
      .reply(200, record('update'));
    const plan = await adapter.provision({ dryRun: false });
    scope.done();
    expect(plan.applied).toBe(true);
    expect(order.slice(0, 3)).toEqual(['group', 'group', 'group']);
    expect(order.at(-1)).toBe('update');
    expect(bodies.get('create partner_source')).toMatchObject({
      name: 'partner_source',
      label: 'Sourcing partner',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'partnersync',
      description: expect.stringContaining('Managed by partnersync') as string,
      options: [{ value: '7', label: 'Acme Consulting', hidden: false, displayOrder: 0 }],
    });
    expect(bodies.get('create partner_influencers')).toMatchObject({ fieldType: 'checkbox' });
    expect(bodies.get('create partnersync_marker')).toMatchObject({ hidden: true, type: 'string' });
    const update = bodies.get('update /crm/properties/2026-09/deals/partner_recipe') as {
      options: { value: string; label: string; hidden: boolean }[];
      description: string;
    };
    expect(update.options.map((o) => o.value)).toEqual([
      'referral',
      'reseller',
      'technology',
      'co-marketing',
      'co-selling',
      'affiliate-coupons',
      'white-label',
      'legacy',
    ]);
    expect(update.options.find((o) => o.value === 'white-label')).toMatchObject({
      label: 'White-label resale (avoid)',
      hidden: false,
    });
    expect(update.options.find((o) => o.value === 'legacy')).toMatchObject({
      label: 'Legacy programme',
      hidden: false,
    });
    expect(update.description).toContain('Managed by partnersync');
  });

  it('refuses a property it does not manage: no write at all, and the conflict says which mapping resolves it', async () => {
    const { adapter } = nockAdapter();
    const scope = reads(hubspot(), [
      ...standard.deals,
      property('partner_source', { type: 'enumeration', fieldType: 'select', description: 'Set by the partner team' }),
    ]);
    const plan = await adapter.provision({ dryRun: false });
    scope.done();
    expect(plan.applied).toBe(false);
    const conflict = plan.actions.find((a) => a.action === 'conflict');
    expect(conflict?.target).toBe('deal property partner_source');
    expect(conflict?.detail).toContain('crm.mappings: { "deal.sourcePartnerId": { field: partner_source } }');
  });
});
