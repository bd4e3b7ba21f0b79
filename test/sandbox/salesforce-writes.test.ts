// Writes through jsforce: sObject Collections (200 records, allOrNone, per-record errors),
// single-record creates of Task and the permission objects, field validation, and the
// provisioning path in a bare org — CustomField through Tooling, invisible to describe until a
// permission set grants it.

import jsforce from 'jsforce';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.ts';
import { salesforceToken } from './helpers.ts';
import type { SandboxHandle } from '../../src/sandbox/server.ts';

const ANCHOR = '2026-06-01T00:00:00Z';
const VERSION = '66.0';

interface SaveResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

/** A connection with a token the sandbox issued (it refuses any other, as Salesforce does). */
async function connect(url: string): Promise<Connection> {
  return new jsforce.Connection({
    loginUrl: url,
    instanceUrl: url,
    accessToken: await salesforceToken(url),
    version: VERSION,
  });
}

async function rejection(
  promise: PromiseLike<unknown>,
): Promise<{ errorCode?: string; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { errorCode?: string; message: string };
  }
  throw new Error('expected a rejection');
}

async function opportunityIds(conn: Connection, n: number): Promise<string[]> {
  const res = await conn.query<{ Id: string }>(
    `SELECT Id FROM Opportunity WHERE IsClosed = false ORDER BY Id LIMIT ${n}`,
  );
  return res.records.map((r) => r.Id);
}

describe('writes in a provisioned org', () => {
  let sandbox: SandboxHandle;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSandbox({ crm: 'salesforce', seed: 5, partners: 15, deals: 1500, anchor: ANCHOR });
    conn = await connect(sandbox.url);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('updates a 200-record collection with one rejected record, in input order, bumping SystemModstamp', async () => {
    const ids = await opportunityIds(conn, 200);
    const before = await conn.query<{ SystemModstamp: string }>(
      `SELECT SystemModstamp FROM Opportunity WHERE Id = '${ids[0] ?? ''}'`,
    );
    const records = ids.map((Id, i) => ({
      Id,
      StageName: i === 57 ? 'Almost Won' : 'Negotiation/Review',
      Description: `batch ${i}`,
    }));
    const results = (await conn.sobject('Opportunity').update(records, { allOrNone: false })) as SaveResult[];
    expect(results).toHaveLength(200);
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results.filter((r) => !r.success)).toEqual([
      {
        id: ids[57],
        success: false,
        errors: [
          {
            statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            message: 'Stage: bad value for restricted picklist field: Almost Won',
            fields: ['StageName'],
          },
        ],
      },
    ]);
    const after = await conn.query<{ StageName: string; Probability: number; SystemModstamp: string }>(
      `SELECT StageName, Probability, SystemModstamp FROM Opportunity WHERE Id = '${ids[0] ?? ''}'`,
    );
    expect(after.records[0]).toMatchObject({ StageName: 'Negotiation/Review', Probability: 90 });
    expect(after.records[0]?.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(Date.parse((after.records[0]?.SystemModstamp ?? '').replace('+0000', 'Z'))).toBeGreaterThan(
      Date.parse((before.records[0]?.SystemModstamp ?? '').replace('+0000', 'Z')),
    );
  });

  it('rolls everything back with allOrNone', async () => {
    const ids = await opportunityIds(conn, 3);
    const records = ids.map((Id, i) => ({ Id, Amount: i === 1 ? 1e20 : 4242 }));
    const results = (await conn.sobject('Opportunity').update(records, { allOrNone: true })) as SaveResult[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'NUMBER_OUTSIDE_VALID_RANGE',
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    ]);
    const stored = await conn.query(`SELECT Id FROM Opportunity WHERE Amount = 4242`);
    expect(stored.totalSize).toBe(0);
  });

  it('refuses collections over 200 records', async () => {
    const ids = await opportunityIds(conn, 201);
    const err = await rejection(conn.sobject('Opportunity').update(ids.map((Id) => ({ Id, Description: 'x' }))));
    expect(err.errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('creates and deletes mixed collections, with per-record validation errors', async () => {
    const [opp] = await opportunityIds(conn, 1);
    const created = (await conn.create('Task', [
      { Subject: 'Check in with partner', WhatId: opp, Priority: 'High', ActivityDate: '2026-06-10' },
      { Subject: 'Broken', Status: 'Someday' },
      { Subject: 'x'.repeat(256) },
    ])) as SaveResult[];
    expect(created[0]?.success).toBe(true);
    expect(created[0]?.id).toMatch(/^00T/);
    expect(created[1]?.errors[0]?.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(created[2]?.errors[0]?.statusCode).toBe('STRING_TOO_LONG');
    const deleted = (await conn.sobject('Task').destroy([created[0]?.id ?? '', '00T5g0000000zzzAAA'])) as SaveResult[];
    expect(deleted.map((r) => r.success)).toEqual([true, false]);
  });

  it("cascades an opportunity's delete to its OpportunityPartner rows", async () => {
    const [link] = (
      await conn.query<{ OpportunityId: string }>(
        'SELECT OpportunityId FROM OpportunityPartner ORDER BY Id DESC LIMIT 1',
      )
    ).records;
    const opp = link?.OpportunityId ?? '';
    const results = (await conn.sobject('Opportunity').destroy([opp])) as SaveResult[];
    expect(results).toEqual([{ id: opp, success: true, errors: [] }]);
    const soql = `SELECT Id, IsDeleted FROM OpportunityPartner WHERE OpportunityId = '${opp}'`;
    expect((await conn.query(soql)).totalSize).toBe(0);
    const all = await conn.query<{ IsDeleted: boolean }>(soql, { scanAll: true });
    expect(all.totalSize).toBeGreaterThan(0);
    expect(all.records.every((r) => r.IsDeleted)).toBe(true);
  });

  it('creates Task, PermissionSet, FieldPermissions and PermissionSetAssignment one at a time; all queryable', async () => {
    const [opp] = await opportunityIds(conn, 1);
    const task = (await conn
      .sobject('Task')
      .create({ Subject: 'Partner health at risk', WhatId: opp, Description: 'Schedule a check-in' })) as SaveResult;
    const tasks = await conn.query<{ Subject: string; Status: string; Priority: string; What: { Name: string } }>(
      `SELECT Subject, Status, Priority, What.Name FROM Task WHERE Id = '${task.id ?? ''}'`,
    );
    expect(tasks.records[0]).toMatchObject({
      Subject: 'Partner health at risk',
      Status: 'Not Started',
      Priority: 'Normal',
    });
    expect(tasks.records[0]?.What.Name).toMatch(/ — /);

    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: 'Reps_Partner_Fields', Label: 'Reps: partner fields' })) as SaveResult;
    const fp = (await conn.sobject('FieldPermissions').create({
      ParentId: ps.id,
      SobjectType: 'Account',
      Field: 'Account.Partner_Tier__c',
      PermissionsRead: true,
      PermissionsEdit: false,
    })) as SaveResult;
    const [owner] = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Username LIKE 'ada%' LIMIT 1"))
      .records;
    const psa = (await conn
      .sobject('PermissionSetAssignment')
      .create({ PermissionSetId: ps.id, AssigneeId: owner?.Id })) as SaveResult;
    expect([ps.id, fp.id, psa.id].map((id) => id?.slice(0, 3))).toEqual(['0PS', '01k', '0Pa']);
    const grants = await conn.query<{ Field: string; Parent: { Name: string } }>(
      `SELECT Field, Parent.Name FROM FieldPermissions WHERE ParentId = '${ps.id ?? ''}'`,
    );
    expect(grants.records).toMatchObject([
      { Field: 'Account.Partner_Tier__c', Parent: { Name: 'Reps_Partner_Fields' } },
    ]);
    const assigned = await conn.query(
      `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '${ps.id ?? ''}' AND AssigneeId = '${owner?.Id ?? ''}'`,
    );
    expect(assigned.totalSize).toBe(1);
    const dup = await rejection(
      conn.sobject('PermissionSetAssignment').create({ PermissionSetId: ps.id, AssigneeId: owner?.Id }),
    );
    expect(dup.errorCode).toBe('DUPLICATE_VALUE');
  });

  it('validates single-record writes as Salesforce does', async () => {
    const missing = await rejection(conn.sobject('Opportunity').create({ Name: 'No stage' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.message).toBe('Required fields are missing: [StageName, CloseDate]');
    const [opp] = await opportunityIds(conn, 1);
    const readOnly = await rejection(conn.sobject('Opportunity').update({ Id: opp ?? '', IsWon: true }));
    expect(readOnly.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const unreadable = await rejection(conn.sobject('Opportunity').update({ Id: opp ?? '', Amount: 'lots' }));
    expect(unreadable.errorCode).toBe('JSON_PARSER_ERROR');
    const lookup = await rejection(conn.sobject('Opportunity').update({ Id: opp ?? '', AccountId: opp }));
    expect(lookup.errorCode).toBe('MALFORMED_ID');
    const notInsertable = await rejection(conn.sobject('OpportunityPartner').create({ OpportunityId: opp }));
    expect(notInsertable.errorCode).toBe('INVALID_TYPE_FOR_OPERATION');
  });
});

describe('provisioning a bare org through Tooling', () => {
  let sandbox: SandboxHandle;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 9,
      partners: 5,
      deals: 40,
      anchor: ANCHOR,
      fields: 'bare',
    });
    conn = await connect(sandbox.url);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  const fieldNames = async (object: string): Promise<string[]> =>
    (await conn.describe(object)).fields.map((f) => f.name);

  it('creates a CustomField that describe and SOQL hide until FieldPermissions grant it', async () => {
    expect(await fieldNames('Opportunity')).not.toContain('Partner_Source__c');
    const created = (await conn.tooling.sobject('CustomField').create({
      FullName: 'Opportunity.Partner_Source__c',
      Metadata: {
        type: 'Lookup',
        label: 'Partner source',
        description: 'Managed by partnersync',
        referenceTo: 'Account',
        relationshipName: 'Partner_Source',
        deleteConstraint: 'SetNull',
      },
    })) as SaveResult;
    expect(created.success).toBe(true);
    expect(created.id).toMatch(/^00N/);
    const tooling = await conn.tooling.query<{ DeveloperName: string; TableEnumOrId: string; Description: string }>(
      "SELECT Id, DeveloperName, TableEnumOrId, Description FROM CustomField WHERE TableEnumOrId = 'Opportunity'",
    );
    expect(tooling.records).toMatchObject([
      { DeveloperName: 'Partner_Source', TableEnumOrId: 'Opportunity', Description: 'Managed by partnersync' },
    ]);

    expect(await fieldNames('Opportunity')).not.toContain('Partner_Source__c');
    expect((await rejection(conn.query('SELECT Partner_Source__c FROM Opportunity'))).errorCode).toBe('INVALID_FIELD');

    const me = await conn.identity();
    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: 'partnersync', Label: 'partnersync' })) as SaveResult;
    await conn.sobject('FieldPermissions').create({
      ParentId: ps.id,
      SobjectType: 'Opportunity',
      Field: 'Opportunity.Partner_Source__c',
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    expect(await fieldNames('Opportunity')).not.toContain('Partner_Source__c');
    await conn.sobject('PermissionSetAssignment').create({ PermissionSetId: ps.id, AssigneeId: me.user_id });

    const described = (await conn.describe('Opportunity')).fields.find((f) => f.name === 'Partner_Source__c');
    expect(described).toMatchObject({
      type: 'reference',
      custom: true,
      referenceTo: ['Account'],
      relationshipName: 'Partner_Source__r',
    });
    const [opp] = (await conn.query<{ Id: string }>('SELECT Id FROM Opportunity LIMIT 1')).records;
    const [partner] = (
      await conn.query<{ Id: string; Name: string }>("SELECT Id, Name FROM Account WHERE Type = 'Partner' LIMIT 1")
    ).records;
    await conn.sobject('Opportunity').update({ Id: opp?.Id ?? '', Partner_Source__c: partner?.Id });
    const read = await conn.query<{ Partner_Source__r: { Name: string } }>(
      `SELECT Partner_Source__r.Name FROM Opportunity WHERE Id = '${opp?.Id ?? ''}'`,
    );
    expect(read.records[0]?.Partner_Source__r.Name).toBe(partner?.Name);
  });

  it('creates picklists with their values and refuses duplicates and incomplete metadata', async () => {
    const picklist = {
      FullName: 'Opportunity.Partner_Recipe__c',
      Metadata: {
        type: 'Picklist',
        label: 'Partner recipe',
        valueSet: {
          restricted: true,
          valueSetDefinition: {
            value: [
              { valueName: 'referral', label: 'Referral' },
              { valueName: 'reseller', label: 'Reseller' },
            ],
          },
        },
      },
    };
    await conn.tooling.sobject('CustomField').create(picklist);
    const duplicate = await rejection(conn.tooling.sobject('CustomField').create(picklist));
    expect(duplicate.errorCode).toBe('DUPLICATE_DEVELOPER_NAME');
    const noPrecision = await rejection(
      conn.tooling
        .sobject('CustomField')
        .create({ FullName: 'Account.Partner_Score__c', Metadata: { type: 'Number', label: 'Score' } }),
    );
    expect(noPrecision.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect(noPrecision.message).toContain("'precision'");
    const described = (
      await conn.tooling.query<{ Metadata: { valueSet: { valueSetDefinition: { value: { valueName: string }[] } } } }>(
        "SELECT Metadata FROM CustomField WHERE DeveloperName = 'Partner_Recipe'",
      )
    ).records[0];
    expect(described?.Metadata.valueSet.valueSetDefinition.value.map((v) => v.valueName)).toEqual([
      'referral',
      'reseller',
    ]);
  });

  it('refuses FieldPermissions for a field that does not exist', async () => {
    const [ps] = (await conn.query<{ Id: string }>("SELECT Id FROM PermissionSet WHERE Name = 'partnersync'")).records;
    const err = await rejection(
      conn
        .sobject('FieldPermissions')
        .create({ ParentId: ps?.Id, SobjectType: 'Account', Field: 'Account.Nope__c', PermissionsRead: true }),
    );
    expect(err.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  });
});
