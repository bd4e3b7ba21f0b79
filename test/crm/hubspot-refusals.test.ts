// Issue 14: how the adapter handles a batch the portal's rules refuse (2026-09). When HubSpot's
// details name the refused input, exactly that input is dropped and the rest sent again in one
// more request; when they do not, the batch is bisected. On 2026-03 the rules are not enforced.

import { afterEach, describe, expect, it } from 'vitest';
import type { PortalRules } from '../../src/sandbox/hubspot/portal-rules.ts';
import { hubspotOnSandbox, type HubspotSandboxFixture } from './hubspot-fixtures.ts';

let fx: HubspotSandboxFixture | null = null;
afterEach(async () => {
  await fx?.stop();
  fx = null;
});

const RULES = (dealName: string, nameInputs: boolean): PortalRules => ({
  requiredWhen: [{ object: 'deals', property: 'closed_lost_reason', whenProperty: 'dealname', whenValue: dealName }],
  requiredOnCreate: [],
  deniedAssociations: [],
  nameInputs,
});

async function refusedRun(crmYaml: string, nameInputs: boolean) {
  fx = await hubspotOnSandbox({ crmYaml });
  await fx.adapter.provision({ dryRun: false });
  const deals = fx.personality.state.tables.deals
    .all()
    .filter((d) => d.archivedAt === null)
    .slice(0, 40);
  const refused = deals[17];
  if (!refused) throw new Error('not enough deals');
  fx.personality.setRules(RULES(refused.props['dealname'] ?? '', nameInputs));
  const key = crmYaml.includes('2026-03')
    ? 'POST /crm/objects/2026-03/deals/batch/update'
    : 'POST /crm/objects/2026-09/deals/batch/update';
  const before = fx.sandbox.state.stats().byRoute[key]?.count ?? 0;
  const report = await fx.adapter.writeBack({
    partners: [],
    deals: deals.map((d, i) => ({ id: d.id, fields: { attributionSummary: `summary ${i}` } })),
  });
  const calls = (fx.sandbox.state.stats().byRoute[key]?.count ?? 0) - before;
  return { report, calls, refusedId: refused.id, total: deals.length };
}

describe('a batch update refused by the portal rules', () => {
  it('drops exactly the input HubSpot names and sends the rest once more', async () => {
    const { report, calls, refusedId, total } = await refusedRun('  hubspot: { searchLagSeconds: 0 }\n', true);
    expect(report.failed).toEqual([
      {
        object: 'deal',
        id: refusedId,
        reason: expect.stringContaining('closed_lost_reason') as string,
        properties: ['closed_lost_reason'],
        refusal: true,
      },
    ]);
    expect(report.dealsWritten).toBe(total - 1);
    expect(calls).toBe(2);
  });

  it('bisects when the refusal does not name its input, and still writes every other record', async () => {
    const { report, calls, refusedId, total } = await refusedRun('  hubspot: { searchLagSeconds: 0 }\n', false);
    expect(report.failed.map((f) => f.id)).toEqual([refusedId]);
    expect(report.dealsWritten).toBe(total - 1);
    expect(calls).toBeGreaterThan(2);
  });

  it('on 2026-03 the rules are not enforced: everything is written', async () => {
    const { report, calls, total } = await refusedRun(
      '  hubspot: { searchLagSeconds: 0, apiVersion: "2026-03" }\n',
      true,
    );
    expect(report.failed).toEqual([]);
    expect(report.dealsWritten).toBe(total);
    expect(calls).toBe(1);
  });
});

describe('a task create refused by the portal rules', () => {
  it('creates the tasks it may and reports the one whose deal link the user may not create', async () => {
    fx = await hubspotOnSandbox();
    await fx.adapter.provision({ dryRun: false });
    const partner = fx.personality.state.tables.companies.all().find((c) => c.props['type'] === 'PARTNER');
    const deal = fx.personality.state.tables.deals.all()[0];
    if (!partner || !deal) throw new Error('no partner or deal in the sandbox');
    fx.personality.setRules({
      requiredWhen: [],
      requiredOnCreate: [],
      deniedAssociations: [{ from: 'tasks', to: 'deals' }],
      nameInputs: true,
    });
    const task = (marker: string, dealId: string | null) => ({
      marker,
      partnerId: partner.id,
      dealId,
      ownerId: null,
      subject: `Task ${marker}`,
      body: 'body',
      dueAt: Date.parse('2026-06-03T09:00:00Z'),
      priority: 'HIGH' as const,
    });
    const results = await fx.adapter.createTasks([task('m-1', null), task('m-2', deal.id), task('m-3', null)]);
    expect(results.filter((r) => r.refused === undefined).map((r) => r.marker)).toEqual(['m-1', 'm-3']);
    expect(results.find((r) => r.marker === 'm-2')).toEqual({
      marker: 'm-2',
      taskId: '',
      refused: { reason: expect.stringContaining('deals') as string, properties: ['association to deals'] },
    });
    expect((await fx.adapter.findTasks(['m-1', 'm-2', 'm-3'])).map((f) => f.marker).sort()).toEqual(['m-1', 'm-3']);
  });
});
