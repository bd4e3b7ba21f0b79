// Contract tests of Salesforce write-back and tasks against a mocked org (nock): sObject
// Collections PATCH in calls of ≤ 200 with allOrNone false, exact numbers, per-record errors,
// our own retries (5xx, locked rows) and the split of a request refused as a whole; Tasks with
// owner, due date and marker, found again by marker.

import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { CrmError, type TaskRequest } from '../../../src/crm/port.ts';
import { markerTag } from '../../../src/crm/salesforce/tasks.ts';
import { API, from, id, INSTANCE, login, nockAdapter, page, soqlOf, USER_ID, useStrictNock } from './nock-helpers.ts';

useStrictNock();

interface CollectionBody {
  allOrNone: boolean;
  records: (Record<string, unknown> & { attributes: { type: string }; Id?: string })[];
}

const ok = (records: CollectionBody['records']): unknown[] =>
  records.map((r) => ({ id: r.Id, success: true, errors: [] }));

describe('writeBack', () => {
  it('sends at most 200 records per call with allOrNone false, Accounts first, only the values passed, numbers exact', async () => {
    const bodies: CollectionBody[] = [];
    const raw: string[] = [];
    // The body matcher sees each request first; the reply answers the one it just saw.
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`, (body: CollectionBody) => {
        bodies.push(body);
        raw.push(JSON.stringify(body));
        return true;
      })
      .times(3)
      .reply(200, () => ok(bodies.at(-1)?.records ?? []));
    login();
    const partners = Array.from({ length: 250 }, (_, i) => ({
      id: id('001', i + 1),
      fields: { healthScore: '74', healthBand: 'watch', lastActivityAt: '2026-05-01T10:00:00.000Z' },
    }));
    const deals = Array.from({ length: 200 }, (_, i) => ({
      id: id('006', i + 1),
      fields: { commissionAmount: i === 0 ? '1234567890123.45' : '10.00' },
    }));
    deals.push({ id: id('006', 999), fields: { commissionAmount: null }, expireRegistration: true } as never);
    const report = await nockAdapter().writeBack({ partners, deals });
    expect(report).toEqual({ partnersWritten: 250, dealsWritten: 201, failed: [] });
    expect(bodies.map((b) => b.records.length)).toEqual([200, 200, 51]);
    expect(bodies.every((b) => !b.allOrNone)).toBe(true);
    expect(bodies[0]?.records[0]).toEqual({
      attributes: { type: 'Account' },
      Id: id('001', 1),
      Partner_Health_Score__c: 74,
      Partner_Health_Band__c: 'watch',
      Partner_Last_Activity_At__c: '2026-05-01T10:00:00.000Z',
    });
    expect(bodies[1]?.records.slice(49, 51).map((r) => r.attributes.type)).toEqual(['Account', 'Opportunity']);
    // The decimal goes out digit for digit, never through a double.
    expect(raw.join()).toContain('"Partner_Commission__c":1234567890123.45');
    expect(bodies[2]?.records.at(-1)).toEqual({
      attributes: { type: 'Opportunity' },
      Id: id('006', 999),
      Partner_Commission__c: null,
      Deal_Reg_Status__c: 'expired',
    });
    api.done();
  });

  it('reports records Salesforce rejects, with id and reason, while the others are written; locked rows get one more try', async () => {
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`)
      .reply(200, [
        { id: id('001', 1), success: true, errors: [] },
        {
          id: id('001', 2),
          success: false,
          errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
        },
        {
          id: id('006', 1),
          success: false,
          errors: [
            {
              statusCode: 'UNABLE_TO_LOCK_ROW',
              message: 'unable to obtain exclusive access to this record',
              fields: [],
            },
          ],
        },
      ])
      .patch(
        `${API}/composite/sobjects`,
        (body: CollectionBody) => body.records.length === 1 && body.records[0]?.Id === id('006', 1),
      )
      .reply(200, [{ id: id('006', 1), success: true, errors: [] }]);
    login();
    const report = await nockAdapter().writeBack({
      partners: [
        { id: id('001', 1), fields: { alertCount: '2' } },
        { id: id('001', 2), fields: { alertCount: '0' } },
      ],
      deals: [{ id: id('006', 1), fields: { attributionSummary: 'Acme 100% 1,000.00 sourced' } }],
    });
    expect(report).toEqual({
      partnersWritten: 1,
      dealsWritten: 1,
      failed: [{ object: 'partner', id: id('001', 2), reason: 'ENTITY_IS_DELETED: entity is deleted' }],
    });
    api.done();
  });

  it('retries a call that failed with 503 (updates by id are idempotent)', async () => {
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`)
      .reply(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' }])
      .patch(`${API}/composite/sobjects`)
      .reply(200, [{ id: id('001', 1), success: true, errors: [] }]);
    login();
    const adapter = nockAdapter();
    expect(
      await adapter.writeBack({ partners: [{ id: id('001', 1), fields: { healthScore: '80' } }], deals: [] }),
    ).toMatchObject({ partnersWritten: 1 });
    expect(adapter.callStats().byEndpoint[`PATCH ${API}/composite/sobjects`]?.statuses).toEqual({ 200: 1, 503: 1 });
    api.done();
  });

  it('splits a request refused as a whole for an unreadable value until the bad record stands alone', async () => {
    const bad = id('006', 3);
    let seen: CollectionBody = { allOrNone: false, records: [] };
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`, (body: CollectionBody) => {
        seen = body;
        return true;
      })
      .times(5)
      .reply(() => {
        const { records } = seen;
        if (records.some((r) => r.Id === bad))
          return [
            400,
            [
              {
                errorCode: 'JSON_PARSER_ERROR',
                message: 'Cannot deserialize instance of double from VALUE_STRING value "twelve"',
              },
            ],
          ];
        return [200, ok(records)];
      });
    login();
    const report = await nockAdapter().writeBack({
      partners: [],
      deals: [1, 2, 3, 4].map((n) => ({ id: id('006', n), fields: { commissionAmount: n === 3 ? 'twelve' : '5' } })),
    });
    expect(report.dealsWritten).toBe(3);
    expect(report.failed).toEqual([
      { object: 'deal', id: bad, reason: expect.stringContaining('JSON_PARSER_ERROR') as unknown },
    ]);
    api.done();
  });

  it('fails every record of a request refused for a reason that is not one value (no endless splitting)', async () => {
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`)
      .reply(400, [
        { errorCode: 'INVALID_FIELD', message: "No such column 'Partner_Health_Score__c' on sobject of type Account" },
      ]);
    login();
    const report = await nockAdapter().writeBack({
      partners: [1, 2, 3].map((n) => ({ id: id('001', n), fields: { healthScore: '1' } })),
      deals: [],
    });
    expect(report.partnersWritten).toBe(0);
    expect(report.failed.map((f) => f.id)).toEqual([1, 2, 3].map((n) => id('001', n)));
    api.done();
  });

  it('sends nothing when there is nothing to write', async () => {
    const adapter = nockAdapter();
    expect(await adapter.writeBack({ partners: [{ id: id('001', 1), fields: {} }], deals: [] })).toEqual({
      partnersWritten: 0,
      dealsWritten: 0,
      failed: [],
    });
    expect(adapter.callStats().total).toBe(0);
  });
});

describe('tasks', () => {
  const due = Date.parse('2026-06-03T02:00:00Z'); // June 2 in New York
  const task = (marker: string, ownerId: string | null): TaskRequest => ({
    marker,
    partnerId: id('001', 1),
    dealId: id('006', 1),
    ownerId,
    subject: 'Check in with Acme',
    body: 'Health 52 < 60.',
    dueAt: due,
    priority: 'HIGH',
  });

  it('creates Tasks on the partner Account, owned by the given owner, with the marker in Subject and Comments', async () => {
    let sent: CollectionBody | undefined;
    const api = nock(INSTANCE)
      .post(`${API}/composite/sobjects`, (body: CollectionBody) => {
        sent = body;
        return true;
      })
      .reply(200, [{ id: id('00T', 1), success: true, errors: [] }]);
    login();
    const out = await nockAdapter().createTasks([task('HEALTH_AT_RISK:p1:1', id('005', 7))]);
    expect(out).toEqual([{ marker: 'HEALTH_AT_RISK:p1:1', taskId: id('00T', 1) }]);
    expect(sent?.allOrNone).toBe(false);
    expect(sent?.records[0]).toMatchObject({
      attributes: { type: 'Task' },
      WhatId: id('001', 1),
      OwnerId: id('005', 7),
      ActivityDate: '2026-06-02',
      Priority: 'High',
      Status: 'Not Started',
      Subject: `Check in with Acme ${markerTag('HEALTH_AT_RISK:p1:1')}`,
    });
    expect(sent?.records[0]?.['Description']).toContain('partnersync marker: HEALTH_AT_RISK:p1:1');
    api.done();
  });

  it('gives a task whose owner cannot own it to the integration user instead', async () => {
    const api = nock(INSTANCE)
      .post(`${API}/composite/sobjects`, (b: CollectionBody) => b.records[0]?.['OwnerId'] === id('005', 8))
      .reply(200, [
        {
          success: false,
          errors: [{ statusCode: 'INACTIVE_OWNER_OR_USER', message: 'operation performed with inactive user' }],
        },
      ])
      .post(`${API}/composite/sobjects`, (b: CollectionBody) => !('OwnerId' in (b.records[0] ?? {})))
      .reply(200, [{ id: id('00T', 2), success: true, errors: [] }]);
    login();
    expect(await nockAdapter().createTasks([task('m-2', id('005', 8))])).toEqual([
      { marker: 'm-2', taskId: id('00T', 2) },
    ]);
    api.done();
  });

  it('after a failure of unknown outcome, finds what was created and creates only the rest', async () => {
    const a = task('m-a', null);
    const b = task('m-b', null);
    const api = nock(INSTANCE)
      .post(`${API}/composite/sobjects`)
      .reply(502, 'Bad Gateway')
      .get(`${API}/queryAll`)
      .query((q) => from('Task')(q) && soqlOf(q).includes(markerTag('m-a')) && soqlOf(q).includes(markerTag('m-b')))
      .reply(
        200,
        page([
          {
            attributes: { type: 'Task' },
            Id: id('00T', 5),
            Subject: `Check in with Acme ${markerTag('m-a')}`,
            Description: 'Health.\n\npartnersync marker: m-a',
          },
        ]),
      )
      .post(
        `${API}/composite/sobjects`,
        (body: CollectionBody) =>
          body.records.length === 1 && String(body.records[0]?.['Subject']).endsWith(markerTag('m-b')),
      )
      .reply(200, [{ id: id('00T', 6), success: true, errors: [] }]);
    login();
    const out = await nockAdapter().createTasks([a, b]);
    expect(out).toEqual([
      { marker: 'm-a', taskId: id('00T', 5) },
      { marker: 'm-b', taskId: id('00T', 6) },
    ]);
    api.done();
  });

  it('findTasks matches the Subject tag and confirms the full marker in the Comments', async () => {
    let soql = '';
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query((q) => {
        soql = soqlOf(q);
        return from('Task')(q);
      })
      .reply(
        200,
        page([
          {
            attributes: { type: 'Task' },
            Id: id('00T', 1),
            Subject: `Call ${markerTag('x-1')}`,
            Description: 'partnersync marker: x-1',
          },
          {
            attributes: { type: 'Task' },
            Id: id('00T', 2),
            Subject: `Call ${markerTag('x-2')}`,
            Description: 'someone edited the comments',
          },
        ]),
      );
    login();
    expect(await nockAdapter().findTasks(['x-1', 'x-2', 'x-3'])).toEqual([{ marker: 'x-1', taskId: id('00T', 1) }]);
    expect(soql).toContain(`Subject LIKE '%${markerTag('x-3')}'`);
    expect(await nockAdapter().findTasks([])).toEqual([]);
    api.done();
  });
});

describe('limits and failures', () => {
  it('stops before the remaining daily allocation falls below the reserve, without sending the call', async () => {
    const api = nock(INSTANCE)
      .patch(`${API}/composite/sobjects`)
      .reply(200, [{ id: id('001', 1), success: true, errors: [] }], { 'Sforce-Limit-Info': 'api-usage=80000/100000' });
    login();
    const adapter = nockAdapter();
    await adapter.writeBack({ partners: [{ id: id('001', 1), fields: { healthScore: '1' } }], deals: [] });
    const err = await adapter
      .writeBack({ partners: [{ id: id('001', 2), fields: { healthScore: '1' } }], deals: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'quota_exhausted', code: 'DAILY_RESERVE' });
    expect(adapter.client.usage()).toEqual({ used: 80_000, limit: 100_000 });
    api.done();
  });

  it('answers REQUEST_LIMIT_EXCEEDED (403) with a clean quota_exhausted stop, counted as refused', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .reply(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }], {
        'Sforce-Limit-Info': 'api-usage=100000/100000',
      });
    login();
    const adapter = nockAdapter();
    const err = await adapter.findTasks(['m']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'quota_exhausted', code: 'REQUEST_LIMIT_EXCEEDED', status: 403 });
    expect(adapter.callStats().rateLimited).toBe(1);
    api.done();
  });

  it('retries reads on 5xx, then gives up with an unavailable CrmError (network failures: see e2e)', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .reply(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'boom' }])
      .get(`${API}/queryAll`)
      .query(true)
      .reply(503, 'Service Unavailable')
      .get(`${API}/queryAll`)
      .query(true)
      .reply(502, 'Bad Gateway');
    login();
    const adapter = nockAdapter();
    const err = await adapter.findTasks(['m']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable', status: 502 });
    expect(adapter.callStats().byEndpoint[`GET ${API}/queryAll`]).toEqual({
      count: 3,
      statuses: { 500: 1, 503: 1, 502: 1 },
    });
    api.done();
  });

  it('a read that succeeds on its second attempt is not an error', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .reply(502, 'Bad Gateway')
      .get(`${API}/queryAll`)
      .query(true)
      .reply(200, page([]));
    login();
    expect(await nockAdapter().findTasks(['m'])).toEqual([]);
    api.done();
  });

  it('maps a 404 to not_found and does not retry it', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .reply(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    login();
    await expect(nockAdapter().findTasks(['m'])).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    api.done();
  });

  it('counts every call by endpoint, token requests included', async () => {
    nock(INSTANCE).get(`${API}/queryAll`).query(true).reply(200, page([]));
    login();
    const adapter = nockAdapter();
    await adapter.findTasks(['m']);
    expect(adapter.callStats()).toEqual({
      total: 2,
      rateLimited: 0,
      byEndpoint: {
        'POST /services/oauth2/token': { count: 1, statuses: { 200: 1 } },
        [`GET ${API}/queryAll`]: { count: 1, statuses: { 200: 1 } },
      },
    });
    expect(USER_ID).toMatch(/^005/);
  });
});
