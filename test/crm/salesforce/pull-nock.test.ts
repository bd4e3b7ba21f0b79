// Contract tests of the Salesforce pull against a mocked org (nock): the SOQL sent, paging
// through nextRecordsUrl past 10,000 rows with batchSize=2000, incremental windows with the
// Id tie-break and lookback, queryAll deletes, the OpportunityPartner cursor, Bulk API 2.0 with
// locator paging, currency detection, and records mapped to the snapshot.

import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { CrmError, type PullCursor, type PullPage } from '../../../src/crm/port.ts';
import { salesforceConfig } from './helpers.ts';
import {
  account,
  API,
  corporateCurrency,
  from,
  id,
  INSTANCE,
  login,
  nockAdapter,
  opportunity,
  opportunityPartner,
  page,
  soqlOf,
  USER_ID,
  useStrictNock,
} from './nock-helpers.ts';

useStrictNock();

async function drain(pages: AsyncIterable<PullPage>): Promise<PullPage[]> {
  const out: PullPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const BATCH = { 'Sforce-Query-Options': 'batchSize=2000' };

describe('full pull', () => {
  it('pages through nextRecordsUrl past 10,000 rows (no autoFetch stop), asking for batches of 2,000', async () => {
    const total = 12_001;
    const deals = Array.from({ length: total }, (_, i) => opportunity(i + 1));
    const api = nock(INSTANCE, { reqheaders: BATCH })
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([account(1), account(2)]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([opportunityPartner(1, 5, 1), opportunityPartner(2, 5, 2)]));
    const pages = Math.ceil(total / 2000);
    api
      .get(`${API}/queryAll`)
      .query(from('Opportunity'))
      .reply(200, page(deals.slice(0, 2000), { totalSize: total, next: `${API}/queryAll/01g5g00000000A1AAA-2000` }));
    for (let p = 1; p < pages; p++) {
      const end = Math.min(total, (p + 1) * 2000);
      const next = end < total ? `${API}/queryAll/01g5g00000000A1AAA-${end}` : undefined;
      api
        .get(`${API}/queryAll/01g5g00000000A1AAA-${p * 2000}`)
        .reply(200, page(deals.slice(p * 2000, end), { totalSize: total, ...(next === undefined ? {} : { next }) }));
    }
    const token = login();
    const adapter = nockAdapter();
    const out = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }));
    const got = out.flatMap((p) => p.deals);
    expect(got).toHaveLength(total);
    expect(new Set(got.map((d) => d.id)).size).toBe(total);
    expect(out.flatMap((p) => p.partners).map((p) => p.id)).toEqual([id('001', 1), id('001', 2)]);
    const five = got.find((d) => d.id === id('006', 5));
    expect(five?.touches).toEqual([
      { partnerId: id('001', 1), at: '2026-01-05T00:00:00.000Z' },
      { partnerId: id('001', 2), at: '2026-01-05T00:00:00.000Z' },
    ]);
    // Every page carries a JSON checkpoint; the last one is a finished run.
    for (const p of out) expect(JSON.parse(JSON.stringify(p.cursor))).toEqual(p.cursor);
    expect(out.at(-1)?.cursor).toMatchObject({
      v: 2,
      run: null,
      opportunities: { id: id('006', total) },
      org: { multiCurrency: true, currency: 'USD' },
    });
    api.done();
    token.done();
  });

  it('maps records to the snapshot: exact amounts, local-midnight close dates, stages, registrations, written values', async () => {
    const config = salesforceConfig({
      stages: { overrides: { 'Contract Signed': 'won' } },
      mappings: { 'deal.recipe': { field: 'LeadSource', values: { 'Partner Referral': 'referral' } } },
    });
    const deals = [
      opportunity(1, {
        Amount: 1234567890123.45,
        StageName: 'Closed Won',
        IsClosed: true,
        IsWon: true,
        CloseDate: '2026-03-08',
        LeadSource: 'Partner Referral',
        Partner_Commission__c: 120.5,
        Partner_Attribution__c: 'Acme 100% 1,000.50 sourced',
      }),
      opportunity(2, { StageName: 'Closed Lost', IsClosed: true, IsWon: false, CurrencyIsoCode: 'EUR', Amount: null }),
      opportunity(3, {
        StageName: 'Contract Signed',
        Partner_Source__c: id('001', 1),
        Deal_Reg_Partner__c: id('001', 1),
        Deal_Reg_Status__c: 'approved',
        Deal_Reg_Submitted_At__c: '2026-01-02T09:00:00.000+0000',
        Deal_Reg_Expires_At__c: '2026-04-02T09:00:00.000+0000',
      }),
    ];
    const api = nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([account(1)]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query((q) => from('Opportunity')(q) && soqlOf(q).includes('LeadSource'))
      .reply(200, page(deals));
    login();
    const out = await drain(nockAdapter(config).pull({ mode: 'full', cursor: null, refreshLinks: false }));
    const [won, lost, signed] = out.flatMap((p) => p.deals);
    expect(won).toMatchObject({
      amount: '1234567890123.45',
      currency: 'USD',
      stage: 'won',
      recipe: 'referral',
      createdAt: '2026-01-01T10:00:00.000Z',
      // 2026-03-08 is the day US clocks change: local midnight in New York is still EST (UTC-5).
      closedAt: '2026-03-08T05:00:00.000Z',
      written: { commissionAmount: '120.5', attributionSummary: 'Acme 100% 1,000.50 sourced' },
    });
    expect(lost).toMatchObject({ amount: null, currency: 'EUR', stage: 'lost', registration: null });
    expect(signed).toMatchObject({
      stage: 'won',
      sourcePartnerId: id('001', 1),
      registration: {
        partnerId: id('001', 1),
        status: 'approved',
        submittedAt: '2026-01-02T09:00:00.000Z',
        decidedAt: null,
        expiresAt: '2026-04-02T09:00:00.000Z',
      },
    });
    const [partner] = out.flatMap((p) => p.partners);
    expect(partner).toMatchObject({
      id: id('001', 1),
      recipe: 'referral',
      tier: 'Certified',
      onboardedAt: '2025-01-15T00:00:00.000Z',
      ownerId: USER_ID,
      ratings: { communication: 4, alignment: null },
      written: { healthScore: '71', healthBand: null },
    });
    api.done();
  });

  it('detects a single-currency org (no CurrencyType) and uses its default currency for every deal', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([account(1)]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(400, [{ errorCode: 'INVALID_TYPE', message: "sObject type 'CurrencyType' is not supported." }])
      .get(`${API}/query`)
      .query(from('Organization'))
      .reply(200, page([{ attributes: { type: 'Organization' }, DefaultCurrencyIsoCode: 'EUR' }]))
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query((q) => from('Opportunity')(q) && !soqlOf(q).includes('CurrencyIsoCode'))
      .reply(200, page([opportunity(1, { CurrencyIsoCode: undefined })]));
    login();
    const out = await drain(nockAdapter().pull({ mode: 'full', cursor: null, refreshLinks: false }));
    expect(out.flatMap((p) => p.deals)[0]?.currency).toBe('EUR');
    api.done();
  });

  it('turns a record that does not fit the schema, or a query that ends short, into a CrmError (never fewer records)', async () => {
    login();
    nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([account(1)]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query(from('Opportunity'))
      .reply(200, page([opportunity(1, { StageName: undefined })]));
    const bad = await drain(nockAdapter().pull({ mode: 'full', cursor: null, refreshLinks: false })).catch(
      (err: unknown) => err,
    );
    expect(bad).toBeInstanceOf(CrmError);
    expect(bad).toMatchObject({ kind: 'bad_payload' });

    login();
    nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, { totalSize: 3, done: true, records: [account(1)] });
    const short = await drain(nockAdapter().pull({ mode: 'full', cursor: null, refreshLinks: false })).catch(
      (err: unknown) => err,
    );
    expect(short).toMatchObject({
      kind: 'bad_payload',
      message: expect.stringContaining('ended after 1 of 3') as unknown,
    });
  });
});

describe('incremental pull', () => {
  const cursor: PullCursor = {
    v: 2,
    org: { multiCurrency: true, currency: 'USD' },
    run: null,
    accounts: { ts: '2026-02-01T00:00:00.000Z', id: id('001', 2), readAt: '2026-02-01T00:03:00.000Z' },
    opportunities: { ts: '2026-02-01T00:00:00.000Z', id: id('006', 9), readAt: '2026-02-01T00:03:00.000Z' },
    opportunityPartners: { ts: '2026-01-05T00:00:00.000Z', id: id('00I', 2), readAt: '2026-02-01T00:03:00.000Z' },
  };

  it('reads changes after the mark with the Id tie-break and the lookback, deletes through queryAll, and influencer changes through their own cursor', async () => {
    const sent: string[] = [];
    const record = (q: Record<string, unknown>): boolean => {
      sent.push(soqlOf(q));
      return true;
    };
    const changed = opportunity(10, { SystemModstamp: '2026-02-02T00:00:00.000+0000' });
    const deleted = opportunity(11, { SystemModstamp: '2026-02-02T00:00:01.000+0000', IsDeleted: true });
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query((q) => from('Account')(q) && record(q))
      .reply(200, page([account(3, { Type: 'Customer - Direct' }), account(4, { IsDeleted: true }), account(5)]))
      .get(`${API}/queryAll`)
      .query((q) => from('OpportunityPartner')(q) && record(q))
      .reply(200, page([opportunityPartner(3, 20, 5, { SystemModstamp: '2026-02-03T00:00:00.000+0000' })]))
      .get(`${API}/queryAll`)
      .query((q) => from('Opportunity')(q) && record(q))
      .reply(200, page([changed, deleted]))
      .get(`${API}/query`)
      .query((q) => from('OpportunityPartner')(q) && soqlOf(q).includes(`OpportunityId IN ('${id('006', 10)}')`))
      .reply(200, page([opportunityPartner(1, 10, 1)]))
      .get(`${API}/query`)
      .query((q) => from('Opportunity')(q) && soqlOf(q).includes(`Id IN ('${id('006', 20)}')`))
      .reply(200, page([opportunity(20)]))
      .get(`${API}/query`)
      .query((q) => from('OpportunityPartner')(q) && soqlOf(q).includes(`OpportunityId IN ('${id('006', 20)}')`))
      .reply(200, page([opportunityPartner(3, 20, 5)]));
    login();
    const out = await drain(nockAdapter().pull({ mode: 'incremental', cursor, refreshLinks: false }));
    const [accounts, links, opps] = sent;
    const tieBreak =
      "(SystemModstamp > 2026-02-01T00:00:00.000Z) OR ((SystemModstamp = 2026-02-01T00:00:00.000Z) AND (Id > '";
    expect(accounts).toContain(tieBreak + id('001', 2));
    expect(opps).toContain(tieBreak + id('006', 9));
    expect(opps).toContain('ORDER BY SystemModstamp, Id');
    // Lookback: five minutes before the previous read, other users' changes only.
    expect(opps).toContain(`(SystemModstamp >= 2026-01-31T23:58:00.000Z) AND (LastModifiedById != '${USER_ID}')`);
    expect(links).toContain('FROM OpportunityPartner');
    expect(out.flatMap((p) => p.partners).map((p) => p.id)).toEqual([id('001', 5)]);
    expect(out.flatMap((p) => p.removedPartnerIds).sort()).toEqual([id('001', 3), id('001', 4)]);
    expect(out.flatMap((p) => p.removedDealIds)).toEqual([id('006', 11)]);
    const deals = out.flatMap((p) => p.deals);
    expect(deals.map((d) => d.id)).toEqual([id('006', 10), id('006', 20)]);
    expect(deals[1]?.touches).toEqual([{ partnerId: id('001', 5), at: '2026-01-05T00:00:00.000Z' }]);
    expect(out.at(-1)?.cursor).toMatchObject({
      run: null,
      opportunities: { ts: '2026-02-02T00:00:01.000Z', id: id('006', 11) },
      opportunityPartners: { ts: '2026-02-03T00:00:00.000Z', id: id('00I', 3) },
    });
    api.done();
  });

  it('takes unchanged influencers from the snapshot cache and looks up only the others', async () => {
    const cachedTouch = { partnerId: id('001', 7), at: '2026-01-02T00:00:00.000Z' };
    const asked: string[][] = [];
    const previousTouches = (
      ids: readonly string[],
    ): Promise<ReadonlyMap<string, readonly { partnerId: string; at: string }[]>> => {
      asked.push([...ids]);
      // deal 10 is cached with a touch, deal 11 cached with none, deal 12 not cached; 20's link changed
      return Promise.resolve(
        new Map(
          [
            [id('006', 10), [cachedTouch]],
            [id('006', 11), []],
            [id('006', 20), [cachedTouch]],
          ].filter(([k]) => ids.includes(k as string)) as [string, { partnerId: string; at: string }[]][],
        ),
      );
    };
    let lookup = '';
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(from('Account'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query(from('OpportunityPartner'))
      .reply(200, page([opportunityPartner(3, 20, 5, { SystemModstamp: '2026-02-03T00:00:00.000+0000' })]))
      .get(`${API}/queryAll`)
      .query(from('Opportunity'))
      .reply(200, page([10, 11, 12, 20].map((n) => opportunity(n, { SystemModstamp: '2026-02-02T00:00:00.000+0000' }))))
      .get(`${API}/query`)
      .query((q) => {
        lookup = soqlOf(q);
        return from('OpportunityPartner')(q);
      })
      .reply(200, page([opportunityPartner(1, 12, 1), opportunityPartner(3, 20, 5)]));
    login();
    const adapter = nockAdapter();
    const out = await drain(adapter.pull({ mode: 'incremental', cursor, refreshLinks: false, previousTouches }));
    expect(asked).toEqual([[id('006', 10), id('006', 11), id('006', 12)]]);
    expect(lookup).toContain(`OpportunityId IN ('${id('006', 12)}','${id('006', 20)}')`);
    const touches = new Map(out.flatMap((p) => p.deals).map((d) => [d.id, d.touches]));
    expect(touches.get(id('006', 10))).toEqual([cachedTouch]);
    expect(touches.get(id('006', 11))).toEqual([]);
    expect(touches.get(id('006', 12))).toEqual([{ partnerId: id('001', 1), at: '2026-01-05T00:00:00.000Z' }]);
    expect(touches.get(id('006', 20))).toEqual([{ partnerId: id('001', 5), at: '2026-01-05T00:00:00.000Z' }]);
    api.done();

    // A targeted read afterwards on the same adapter reads the deal's influencers fresh: the
    // cache belongs to the run that was handed it.
    const targeted = nock(INSTANCE)
      .get(`${API}/query`)
      .query((q) => from('Opportunity')(q) && soqlOf(q).includes(`Id IN ('${id('006', 10)}')`))
      .reply(200, page([opportunity(10)]))
      .get(`${API}/query`)
      .query((q) => from('OpportunityPartner')(q) && soqlOf(q).includes(`OpportunityId IN ('${id('006', 10)}')`))
      .reply(200, page([opportunityPartner(4, 10, 2)]));
    const again = await adapter.pullRecords({ deals: [id('006', 10)], partners: [] });
    expect(again.deals.map((d) => d.touches)).toEqual([[{ partnerId: id('001', 2), at: '2026-01-05T00:00:00.000Z' }]]);
    expect(asked).toHaveLength(1);
    targeted.done();
  });

  it('skips the lookback when the previous read came well after the mark', async () => {
    const quiet: PullCursor = {
      ...cursor,
      opportunities: { ts: '2026-02-01T00:00:00.000Z', id: id('006', 9), readAt: '2026-02-01T01:00:00.000Z' },
    };
    let opps = '';
    nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(from('Account'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query((q) => {
        opps = soqlOf(q);
        return from('Opportunity')(q);
      })
      .reply(200, page([]));
    login();
    await drain(nockAdapter().pull({ mode: 'incremental', cursor: quiet, refreshLinks: false }));
    expect(opps).not.toContain('LastModifiedById');
  });

  it('resumes an interrupted run from its page checkpoint without the lookback', async () => {
    const interrupted: PullCursor = {
      ...cursor,
      run: {
        mode: 'incremental',
        refreshLinks: false,
        phase: 'deals',
        accounts: cursor['accounts'] as never,
        opportunities: { ts: '2026-02-05T00:00:00.000Z', id: id('006', 40), readAt: '2026-02-05T00:01:00.000Z' },
      },
    };
    let opps = '';
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query((q) => {
        opps = soqlOf(q);
        return from('Opportunity')(q);
      })
      .reply(200, page([opportunity(41, { SystemModstamp: '2026-02-06T00:00:00.000+0000' })]))
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]));
    login();
    const out = await drain(nockAdapter().pull({ mode: 'incremental', cursor: interrupted, refreshLinks: false }));
    expect(opps).toContain(
      `(SystemModstamp > 2026-02-05T00:00:00.000Z) OR ((SystemModstamp = 2026-02-05T00:00:00.000Z) AND (Id > '${id('006', 40)}'))`,
    );
    expect(opps).not.toContain('LastModifiedById');
    expect(out.flatMap((p) => p.deals).map((d) => d.id)).toEqual([id('006', 41)]);
    // The run keeps the time of its first read for the next lookback.
    expect(out.at(-1)?.cursor).toMatchObject({
      opportunities: { id: id('006', 41), readAt: '2026-02-05T00:01:00.000Z' },
    });
    api.done();
  });

  it('with refreshLinks re-reads every Opportunity and every OpportunityPartner row', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(from('Account'))
      .reply(200, page([]))
      .get(`${API}/query`)
      .query((q) => from('OpportunityPartner')(q) && !soqlOf(q).includes('WHERE'))
      .reply(200, page([opportunityPartner(7, 1, 3)]))
      .get(`${API}/queryAll`)
      .query((q) => from('Opportunity')(q) && !soqlOf(q).includes('WHERE'))
      .reply(200, page([opportunity(1, { AccountId: id('001', 777) })]));
    login();
    const out = await drain(nockAdapter().pull({ mode: 'incremental', cursor, refreshLinks: true }));
    expect(out.flatMap((p) => p.deals)).toMatchObject([
      { id: id('006', 1), customerId: id('001', 777), touches: [{ partnerId: id('001', 3) }] },
    ]);
    api.done();
  });
});

describe('Bulk API 2.0', () => {
  it('continues a read above bulkThreshold as a queryAll job from the last REST row, polling it and paging results by Sforce-Locator', async () => {
    const config = salesforceConfig({ salesforce: { bulkThreshold: 3 } });
    const csvHeader =
      '"Id","Name","Amount","StageName","IsClosed","IsWon","CloseDate","CreatedDate","AccountId","OwnerId","SystemModstamp","IsDeleted","CurrencyIsoCode"';
    const row = (n: number, deletedFlag = false): string =>
      `"${id('006', n)}","Deal ${n}","2500.10","Closed Won","true","true","2026-03-02","2026-01-01T10:00:00.000Z","","${USER_ID}","2026-02-01T00:00:0${n}.000Z","${deletedFlag}","USD"`;
    let jobQuery = '';
    const api = nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([opportunityPartner(1, 4, 1)]))
      .get(`${API}/queryAll`)
      .query(from('Opportunity'))
      .reply(
        200,
        page([opportunity(1), opportunity(2)], { totalSize: 6, next: `${API}/queryAll/01g5g00000000B1AAA-2` }),
      )
      .post(`${API}/jobs/query`, (body: { operation: string; query: string }) => {
        jobQuery = body.query;
        return body.operation === 'queryAll';
      })
      .reply(200, { id: '7505g00000000A1AAA', state: 'UploadComplete', operation: 'queryAll' })
      .get(`${API}/jobs/query/7505g00000000A1AAA`)
      .reply(200, { id: '7505g00000000A1AAA', state: 'UploadComplete' })
      .get(`${API}/jobs/query/7505g00000000A1AAA`)
      .reply(200, { id: '7505g00000000A1AAA', state: 'InProgress' })
      .get(`${API}/jobs/query/7505g00000000A1AAA`)
      .reply(200, { id: '7505g00000000A1AAA', state: 'JobComplete' })
      .get(`${API}/jobs/query/7505g00000000A1AAA/results`)
      .query({ maxRecords: '50000' })
      .reply(200, `${csvHeader}\n${row(3)}\n${row(4)}\n`, {
        'Content-Type': 'text/csv',
        'Sforce-Locator': 'Mg',
        'Sforce-NumberOfRecords': '2',
      })
      .get(`${API}/jobs/query/7505g00000000A1AAA/results`)
      .query({ maxRecords: '50000', locator: 'Mg' })
      .reply(200, `${csvHeader}\n${row(5)}\n${row(6, true)}\n`, {
        'Content-Type': 'text/csv',
        'Sforce-Locator': 'null',
        'Sforce-NumberOfRecords': '2',
      });
    login();
    const out = await drain(nockAdapter(config).pull({ mode: 'full', cursor: null, refreshLinks: false }));
    expect(jobQuery).toContain(`(Id > '${id('006', 2)}')`);
    const deals = out.flatMap((p) => p.deals);
    expect(deals.map((d) => d.id)).toEqual([1, 2, 3, 4, 5].map((n) => id('006', n)));
    expect(deals[3]).toMatchObject({
      amount: '2500.10',
      stage: 'won',
      customerId: null,
      closedAt: '2026-03-02T05:00:00.000Z',
      touches: [{ partnerId: id('001', 1) }],
    });
    expect(out.flatMap((p) => p.removedDealIds)).toEqual([id('006', 6)]);
    expect(out.at(-1)?.cursor).toMatchObject({ opportunities: { id: id('006', 6) } });
    api.done();
  });

  it('reports a failed job as a CrmError', async () => {
    const config = salesforceConfig({ salesforce: { bulkThreshold: 1 } });
    nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('Account'))
      .reply(200, page([]))
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query(from('OpportunityPartner'))
      .reply(200, page([]))
      .get(`${API}/queryAll`)
      .query(from('Opportunity'))
      .reply(200, page([opportunity(1)], { totalSize: 5, next: `${API}/queryAll/01g5g00000000C1AAA-1` }))
      .post(`${API}/jobs/query`)
      .reply(200, { id: '7505g00000000B1AAA', state: 'UploadComplete' })
      .get(`${API}/jobs/query/7505g00000000B1AAA`)
      .reply(200, { id: '7505g00000000B1AAA', state: 'Failed', errorMessage: 'InvalidBatch : too complex' });
    login();
    const err = await drain(nockAdapter(config).pull({ mode: 'full', cursor: null, refreshLinks: false })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'invalid_request', message: expect.stringContaining('too complex') as unknown });
  });
});

describe('pullRecords', () => {
  it('reads deals and partners by id with IN lists; ids that are not there, or not partners, are removed', async () => {
    const api = nock(INSTANCE)
      .get(`${API}/query`)
      .query(from('CurrencyType'))
      .reply(200, corporateCurrency)
      .get(`${API}/query`)
      .query((q) => from('Opportunity')(q) && soqlOf(q).includes(`Id IN ('${id('006', 1)}','${id('006', 2)}')`))
      .reply(200, page([opportunity(1)]))
      .get(`${API}/query`)
      .query((q) => from('OpportunityPartner')(q) && soqlOf(q).includes(`OpportunityId IN ('${id('006', 1)}')`))
      .reply(200, page([]))
      .get(`${API}/query`)
      .query((q) => from('Account')(q) && soqlOf(q).includes('Id IN'))
      .reply(200, page([account(1), account(2, { Type: 'Prospect' })]));
    login();
    const out = await nockAdapter().pullRecords({
      deals: [id('006', 1), id('006', 2), 'not-an-id'],
      partners: [id('001', 1), id('001', 2), id('001', 3)],
    });
    expect(out.deals.map((d) => d.id)).toEqual([id('006', 1)]);
    expect(out.removedDealIds.sort()).toEqual([id('006', 2), 'not-an-id'].sort());
    expect(out.partners.map((p) => p.id)).toEqual([id('001', 1)]);
    expect(out.removedPartnerIds.sort()).toEqual([id('001', 2), id('001', 3)]);
    api.done();
  });
});
