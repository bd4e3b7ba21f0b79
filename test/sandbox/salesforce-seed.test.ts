// The Salesforce org built from the logical seed (provisioned and bare), the inspection hooks
// (state dump, mutate), the state file round trip, and the limits switched off.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { generateSeed } from '../../src/sandbox/seed-model.ts';
import { partnersyncFieldSpecs } from '../../src/sandbox/salesforce/seed/partnersync-fields.ts';
import { INTEGRATION_USERNAME } from '../../src/sandbox/salesforce/seed/seed-org.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import { salesforceToken } from './helpers.ts';
import type { SandboxHandle } from '../../src/sandbox/server.ts';

const ANCHOR = '2026-06-01T00:00:00Z';
const SEED = { seed: 21, partners: 12, deals: 400, anchor: ANCHOR };

type Row = Record<string, unknown>;

/** A connection with a token the sandbox issued (it refuses any other, as Salesforce does). */
async function connect(url: string): Promise<Connection> {
  return new jsforce.Connection({
    loginUrl: url,
    instanceUrl: url,
    accessToken: await salesforceToken(url),
    version: '66.0',
  });
}

function stateOf(sandbox: SandboxHandle): Record<string, Row[]> {
  return (sandbox.state.dump() as { salesforce: Record<string, Row[]> }).salesforce;
}

/** An audit stamp as Salesforce shows it: whole seconds (`.000`), whatever the seed's milliseconds. */
const sfStamp = (iso: string): string => `${iso.slice(0, 19)}.000+0000`;

describe('a provisioned org from the seed', () => {
  const seed = generateSeed(SEED);
  let sandbox: SandboxHandle;
  let state: Record<string, Row[]>;

  beforeAll(async () => {
    sandbox = await startSandbox({ crm: 'salesforce', ...SEED });
    state = stateOf(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  const accounts = (): Row[] => state['Account'] ?? [];
  const accountIdByName = (): Map<unknown, unknown> => new Map(accounts().map((a) => [a['Name'], a['Id']]));

  it("holds the seed's partners, customers, deals and influencer links", () => {
    expect(
      accounts()
        .filter((a) => a['Type'] === 'Partner')
        .map((a) => a['Name']),
    ).toEqual(seed.partners.map((p) => p.name));
    expect(accounts().filter((a) => a['Type'] === 'Customer - Direct')).toHaveLength(seed.customers.length);
    expect((state['Opportunity'] ?? []).map((o) => o['Name'])).toEqual(seed.deals.map((d) => d.name));
    expect(state['OpportunityPartner']).toHaveLength(seed.deals.reduce((n, d) => n + d.influencers.length, 0));
    expect((state['User'] ?? []).map((u) => u['Username'])).toEqual([
      INTEGRATION_USERNAME,
      ...seed.owners.map((o) => o.email),
    ]);
  });

  it('maps deal values: stage, amount, currency, dates, source partner and registration', () => {
    const byName = accountIdByName();
    const partnerIds = new Map(seed.partners.map((p) => [p.id, byName.get(p.name)]));
    seed.deals.forEach((deal, i) => {
      const opp = state['Opportunity']?.[i] ?? {};
      expect(opp['IsWon']).toBe(deal.stage === 'won');
      expect(opp['IsClosed']).toBe(deal.stage !== 'open');
      expect(opp['CurrencyIsoCode']).toBe(deal.currency);
      expect(opp['CreatedDate']).toBe(sfStamp(deal.createdAt));
      expect(opp['CloseDate']).toBe(deal.closedAt?.slice(0, 10) ?? null);
      expect(opp['Amount']).toBe(/^-?\d+(\.\d+)?$/.test(deal.amount) ? Number(deal.amount) : null);
      expect(opp['Partner_Recipe__c']).toBe(deal.recipe);
      expect(opp['Deal_Reg_Status__c']).toBe(deal.registration?.status ?? null);
      if (deal.sourcePartnerId !== null && partnerIds.has(deal.sourcePartnerId))
        expect(opp['Partner_Source__c']).toBe(partnerIds.get(deal.sourcePartnerId));
    });
  });

  it('points deals of deleted partners at Account ids that do not exist', () => {
    const known = new Set(accounts().map((a) => a['Id']));
    const orphans = (state['Opportunity'] ?? []).filter(
      (o) => typeof o['Partner_Source__c'] === 'string' && !known.has(o['Partner_Source__c']),
    );
    const expected = seed.deals.filter(
      (d) => d.sourcePartnerId !== null && seed.unknownPartnerIds.includes(d.sourcePartnerId),
    );
    expect(orphans).toHaveLength(expected.length);
    for (const o of orphans) expect(o['Partner_Source__c']).toMatch(/^001/);
  });

  it('creates OpportunityPartner rows at the link time', () => {
    const links = seed.deals.flatMap((d) => d.influencers.map((l) => sfStamp(l.at)));
    expect((state['OpportunityPartner'] ?? []).map((r) => r['CreatedDate'])).toEqual(links);
  });

  it('provisions the partnersync fields, managed and granted to the integration user', async () => {
    const specs = partnersyncFieldSpecs();
    const tooling = state['CustomField'] ?? [];
    expect(tooling.map((f) => f['FullName'])).toEqual(specs.map((s) => s.FullName));
    for (const f of tooling) expect(String(f['Description'])).toContain('Managed by partnersync');
    const conn = await connect(sandbox.url);
    const grants = await conn.query<{ Field: string }>(
      `SELECT Field FROM FieldPermissions WHERE Parent.Name = 'partnersync' AND PermissionsRead = true AND PermissionsEdit = true`,
    );
    expect(grants.records.map((g) => g.Field).sort()).toEqual(specs.map((s) => s.FullName).sort());
    const assignment = await conn.query(
      `SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = 'partnersync' AND Assignee.Username = '${INTEGRATION_USERNAME}'`,
    );
    expect(assignment.totalSize).toBe(1);
    const account = (await conn.describe('Account')).fields.map((f) => f.name);
    expect(account).toEqual(
      expect.arrayContaining([
        'Partner_Tier__c',
        'Partner_Rating_Communication__c',
        'Partner_Fit_Readiness__c',
        'Partner_Health_Score__c',
      ]),
    );
  });

  it('offers the stages and currencies of a multi-currency org', async () => {
    const conn = await connect(sandbox.url);
    const stages = await conn.query<{ MasterLabel: string; IsClosed: boolean; IsWon: boolean }>(
      'SELECT MasterLabel, IsClosed, IsWon FROM OpportunityStage WHERE IsClosed = true ORDER BY SortOrder',
    );
    expect(stages.records.map((s) => [s.MasterLabel, s.IsWon])).toEqual([
      ['Closed Won', true],
      ['Closed Lost', false],
    ]);
    const currencies = await conn.query<{ IsoCode: string }>(
      'SELECT IsoCode FROM CurrencyType WHERE IsCorporate = true',
    );
    expect(currencies.records.map((c) => c.IsoCode)).toEqual(['USD']);
  });
});

describe('a bare org', () => {
  it('has the standard data and none of the partnersync fields or permission set', async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', ...SEED, fields: 'bare' });
    try {
      const state = stateOf(sandbox);
      expect(state['CustomField']).toEqual([]);
      expect(state['PermissionSet']).toEqual([]);
      expect(Object.keys(state['Opportunity']?.[0] ?? {})).not.toContain('Partner_Source__c');
      expect(state['OpportunityPartner']?.length).toBeGreaterThan(0);
      expect((state['Account'] ?? []).filter((a) => a['Type'] === 'Partner')).toHaveLength(SEED.partners);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('mutate', () => {
  it("changes N random opportunities' amount or stage and bumps SystemModstamp to now", async () => {
    const now = Date.parse('2026-06-02T08:30:00Z');
    const sandbox = await startSandbox({ crm: 'salesforce', ...SEED, clock: manualClock(now) });
    try {
      const before = new Map((stateOf(sandbox)['Opportunity'] ?? []).map((o) => [o['Id'], o]));
      const ids = sandbox.state.mutate(25);
      expect(new Set(ids).size).toBe(25);
      const after = new Map((stateOf(sandbox)['Opportunity'] ?? []).map((o) => [o['Id'], o]));
      for (const id of ids) {
        const [b, a] = [before.get(id), after.get(id)];
        expect(a?.['SystemModstamp']).toBe('2026-06-02T08:30:00.000+0000');
        expect(a?.['Amount'] !== b?.['Amount'] || a?.['StageName'] !== b?.['StageName']).toBe(true);
      }
      const changed = [...after.values()].filter((o) => o['SystemModstamp'] === '2026-06-02T08:30:00.000+0000');
      expect(changed).toHaveLength(25);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('state file', () => {
  it('keeps records, custom fields and their values across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-sandbox-'));
    const stateFile = join(dir, 'salesforce.json');
    try {
      const first = await startSandbox({ crm: 'salesforce', ...SEED, fields: 'bare', stateFile });
      const conn = await connect(first.url);
      await conn.tooling
        .sobject('CustomField')
        .create({ FullName: 'Account.Partner_Tier__c', Metadata: { type: 'Text', label: 'Partner tier', length: 40 } });
      const [acct] = (await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Type = 'Partner' LIMIT 1"))
        .records;
      const deleted =
        (await conn.query<{ Id: string }>('SELECT Id FROM Opportunity ORDER BY Id LIMIT 1')).records[0]?.Id ?? '';
      await conn.sobject('Opportunity').destroy(deleted);
      await first.stop();

      const second = await startSandbox({ crm: 'salesforce', ...SEED, fields: 'bare', stateFile, limits: 'off' });
      try {
        const again = await connect(second.url);
        await again.sobject('Account').update({ Id: acct?.Id ?? '', Partner_Tier__c: 'Premium' });
        const read = await again.query<{ Partner_Tier__c: string }>(
          `SELECT Partner_Tier__c FROM Account WHERE Id = '${acct?.Id ?? ''}'`,
        );
        expect(read.records[0]?.Partner_Tier__c).toBe('Premium');
        expect(
          (await again.query(`SELECT Id FROM Opportunity WHERE Id = '${deleted}'`, { scanAll: true })).totalSize,
        ).toBe(1);
        const created = (await again.sobject('Task').create({ Subject: 'after restart' })) as { id: string };
        expect(created.id).toMatch(/^00T/);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('limits off', () => {
  let sandbox: SandboxHandle;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSandbox({ crm: 'salesforce', ...SEED, fields: 'bare', limits: 'off' });
    conn = await connect(sandbox.url);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('honours any batchSize and collections over 200', async () => {
    const page = await conn.request<{ records: unknown[] }>({
      method: 'GET',
      url: '/services/data/v66.0/query?q=SELECT+Id+FROM+Opportunity',
      headers: { 'Sforce-Query-Options': 'batchSize=7' },
    });
    expect(page.records).toHaveLength(7);
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Opportunity LIMIT 250')).records;
    const results = (await conn.sobject('Opportunity').update(ids.map((r) => ({ Id: r.Id, Description: 'bulk' })))) as {
      success: boolean;
    }[];
    expect(results.filter((r) => r.success)).toHaveLength(250);
  });

  it('shows new custom fields without field permissions', async () => {
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Opportunity.Partner_Commission__c',
      Metadata: { type: 'Currency', label: 'Partner commission', precision: 18, scale: 2 },
    });
    expect((await conn.describe('Opportunity')).fields.map((f) => f.name)).toContain('Partner_Commission__c');
  });
});
