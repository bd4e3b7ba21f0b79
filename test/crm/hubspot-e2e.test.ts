// End to end on the sandbox (real limits): provision → pull → compute → write-back, then a
// second run that writes nothing; provisioning a bare account from scratch; conflicts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitReadsWrites } from '../../src/crm/shared/call-stats.ts';
import { sameValue, type CallStats } from '../../src/crm/port.ts';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import { silentLogger } from '../../src/log.ts';
import { bearer, getJson, hubspotDump } from '../sandbox/helpers.ts';
import { SyncHarness } from './hubspot-harness.ts';
import { hubspotOnSandbox, hubspotSettings, type HubspotSandboxFixture } from './hubspot-fixtures.ts';

const AS_OF = Date.parse('2026-06-01T12:00:00Z');

function writesBetween(before: CallStats, after: CallStats): number {
  return splitReadsWrites(after).writes - splitReadsWrites(before).writes;
}

describe('hubspot end to end: provision, sync, re-sync', () => {
  let fx: HubspotSandboxFixture;
  let harness: SyncHarness;

  beforeAll(async () => {
    fx = await hubspotOnSandbox({ sandbox: { partners: 15, deals: 400 } });
    harness = new SyncHarness(fx.adapter, hubspotSettings().program);
  });
  afterAll(async () => {
    await fx.stop();
  });

  it('provisions, and a second provisioning finds everything up to date', async () => {
    const first = await fx.adapter.provision({ dryRun: false });
    expect(first.applied).toBe(true);
    expect(first.actions.filter((a) => a.action === 'conflict')).toEqual([]);
    const again = await fx.adapter.provision({ dryRun: true });
    expect(again.actions.filter((a) => a.action !== 'ok')).toEqual([]);
    const band = fx.personality.state.properties.companies.get('partner_health_band');
    expect(band?.type).toBe('enumeration');
    expect(band?.options.map((o) => o.label)).toEqual([
      'Healthy (score 80 or more)',
      'Watch (score 60–79)',
      'At risk (score below 60)',
    ]);
    expect(fx.personality.state.properties.deals.get('partner_source')?.options.length).toBe(15);
  });

  it('a full sync pulls every live deal and partner and writes the results', async () => {
    const run = await harness.sync('full', AS_OF);
    const dump = await hubspotDump(fx.sandbox);
    const liveDeals = dump.deals.filter((d) => !d.archived);
    const partners = dump.companies.filter((c) => c.properties['type'] === 'PARTNER');
    expect(run.pull.deals).toBe(liveDeals.length);
    expect(run.pull.partners).toBe(partners.length);
    expect(run.report.failed).toEqual([]);
    expect(run.report.partnersWritten).toBe(partners.length);
    expect(run.report.dealsWritten).toBe(run.changes.deals.length);
    expect(run.report.dealsWritten).toBeGreaterThan(30);
    // The values in HubSpot are the engine's: one partner checked field by field.
    const sample = run.changes.partners[0];
    const stored = partners.find((p) => p.id === sample?.id)?.properties ?? {};
    expect(sameValue('number', stored['partner_health_score'], sample?.fields.healthScore)).toBe(true);
    expect(stored['partner_health_band'] ?? null).toBe(sample?.fields.healthBand ?? null);
    expect(sameValue('number', stored['partner_attributed_revenue_12m'], sample?.fields.attributedRevenue12m)).toBe(
      true,
    );
    const summaries = liveDeals.filter((d) => d.properties['partner_attribution_summary']);
    expect(summaries.length).toBe(run.changes.deals.filter((d) => d.fields.attributionSummary).length);
    expect(summaries.length).toBeGreaterThan(30);
    expect(summaries[0]?.properties['partner_attribution_summary']).toMatch(/\d+% [\d,]+\.\d{2}/);
    // Approved registrations whose protection lapsed on open deals are now `expired` in HubSpot.
    const expired = run.changes.deals.filter((d) => d.expireRegistration).map((d) => d.id);
    expect(expired.length).toBeGreaterThan(0);
    for (const id of expired)
      expect(liveDeals.find((d) => d.id === id)?.properties['deal_registration_status']).toBe('expired');
  });

  it('an immediate re-sync sends no write request', async () => {
    const before = fx.adapter.callStats();
    const run = await harness.sync('incremental', AS_OF);
    expect(run.changes).toEqual({ partners: [], deals: [] });
    expect(run.report).toEqual({ partnersWritten: 0, dealsWritten: 0, failed: [] });
    expect(writesBetween(before, fx.adapter.callStats())).toBe(0);
  });

  it('after deals change, the re-sync reads them and writes only what changed', async () => {
    const changed = fx.sandbox.state.mutate(10);
    await new Promise((resolve) => {
      setTimeout(resolve, 5);
    });
    const run = await harness.sync('incremental', AS_OF);
    expect(run.pull.deals).toBeGreaterThanOrEqual(10);
    for (const id of changed) expect(harness.deals.has(id)).toBe(true);
    // Only what changed is written: the mutated deals and the few whose partner's tier moved.
    expect(run.report.failed).toEqual([]);
    expect(run.report.dealsWritten).toBeLessThan(40);
    for (const d of run.changes.deals)
      expect(Object.keys(d.fields).length + (d.expireRegistration ? 1 : 0)).toBeGreaterThan(0);
    // And once more: nothing.
    const quiet = await harness.sync('incremental', AS_OF);
    expect(quiet.changes).toEqual({ partners: [], deals: [] });
  });
});

describe('hubspot provisioning on a bare account', () => {
  let fx: HubspotSandboxFixture;

  beforeAll(async () => {
    fx = await hubspotOnSandbox({ sandbox: { fields: 'bare', partners: 5, deals: 20 } });
  });
  afterAll(async () => {
    await fx.stop();
  });

  it('a dry run plans every group and property and changes nothing', async () => {
    const plan = await fx.adapter.provision({ dryRun: true });
    expect(plan.applied).toBe(false);
    const creates = plan.actions.filter((a) => a.action === 'create').map((a) => a.target);
    expect(creates).toContain('deal property group partnersync');
    expect(creates).toContain('deal property partner_source');
    expect(creates).toContain('company property partner_health_band');
    expect(creates).toContain('task property partnersync_marker');
    expect(fx.personality.state.properties.deals.has('partner_source')).toBe(false);
  });

  it('creates everything, readable by reps, and is idempotent', async () => {
    const plan = await fx.adapter.provision({ dryRun: false });
    expect(plan.applied).toBe(true);
    const source = fx.personality.state.properties.deals.get('partner_source');
    expect(source).toMatchObject({
      label: 'Sourcing partner',
      groupName: 'partnersync',
      type: 'enumeration',
      fieldType: 'select',
    });
    expect(source?.description).toContain('Managed by partnersync');
    expect(source?.options).toHaveLength(5);
    const partnerNames = fx.personality.state.tables.companies
      .all()
      .filter((c) => c.props['type'] === 'PARTNER')
      .map((c) => c.props['name']);
    for (const o of source?.options ?? []) expect(partnerNames.some((n) => o.label.startsWith(n ?? '?'))).toBe(true);
    expect(fx.personality.state.groups.deals.get('partnersync')?.label).toBe('Partner program');
    const recipes = fx.personality.state.properties.deals.get('partner_recipe');
    expect(recipes?.options.find((o) => o.value === 'affiliate-coupons')).toMatchObject({
      label: 'Affiliate coupons (retired)',
      hidden: true,
    });
    const again = await fx.adapter.provision({ dryRun: false });
    expect(again.actions.filter((a) => a.action !== 'ok')).toEqual([]);
  });
});

describe('hubspot provisioning next to a property it does not manage', () => {
  let fx: HubspotSandboxFixture;

  beforeAll(async () => {
    fx = await hubspotOnSandbox({ sandbox: { fields: 'bare', partners: 3, deals: 10 } });
    // Someone in finance already created a property of that name.
    const created = await getJson(`${fx.sandbox.url}/crm/v3/properties/companies`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify({
        name: 'partner_pipeline',
        label: 'Pipeline (finance)',
        type: 'number',
        fieldType: 'number',
        groupName: 'companyinformation',
      }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await fx.stop();
  });

  it('stops before any change and names the crm.mappings entry that resolves it', async () => {
    const plan = await fx.adapter.provision({ dryRun: false });
    expect(plan.applied).toBe(false);
    const conflicts = plan.actions.filter((a) => a.action === 'conflict');
    expect(conflicts.map((a) => a.target)).toEqual(['company property partner_pipeline']);
    expect(conflicts[0]?.detail).toContain('crm.mappings: { "partner.pipeline": { field: partner_pipeline } }');
    expect(fx.personality.state.properties.deals.has('partner_source')).toBe(false);
  });

  it('with the mapping, uses the property as it is and provisions the rest', async () => {
    const mapped = new HubspotAdapter({
      settings: hubspotSettings(
        '  hubspot: { searchLagSeconds: 0 }\n  mappings:\n    partner.pipeline: { field: partner_pipeline }\n',
      ),
      env: {},
      logger: silentLogger(),
      basePath: fx.sandbox.url,
      tokens: staticToken('t'),
      portalId: '1',
    });
    const plan = await mapped.provision({ dryRun: false });
    expect(plan.applied).toBe(true);
    expect(plan.actions.find((a) => a.target === 'company property partner_pipeline')).toMatchObject({ action: 'ok' });
    expect(fx.personality.state.properties.companies.get('partner_pipeline')?.label).toBe('Pipeline (finance)');
    expect(fx.personality.state.properties.deals.has('partner_source')).toBe(true);
  });
});
