// soql.ts: escaping (checked against an independent SOQL parser, the sandbox's, with generated
// strings), typed literals, the allow-list, IN lists that fit the URI limit; and the record
// helpers every pull depends on (Salesforce dateTimes, local-midnight dates, stages, partner filter).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSoql } from '../../../src/sandbox/salesforce/soql/parser.ts';
import { matchesWhere, parseSalesforceDateTime, stageOf, toInstant } from '../../../src/crm/salesforce/records.ts';
import { incrementalWindow } from '../../../src/crm/salesforce/pull.ts';
import {
  encodeQueryValue,
  escapeSoqlString,
  idsPerInList,
  isApiName,
  lit,
  QUERY_URI_BUDGET,
  select,
  SoqlAllowList,
  SoqlError,
  where,
} from '../../../src/crm/salesforce/soql.ts';
import { TimeZone } from '../../../src/domain/time.ts';

const allow = new SoqlAllowList()
  .allow('Account', ['Id', 'Name', 'Type', 'SystemModstamp', 'Owner.Email'])
  .allow('Task', ['Id', 'Subject']);

describe('literals', () => {
  it('a string literal always parses back to the original text, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const ast = parseSoql(
          select(allow, { object: 'Account', fields: ['Id'], where: where.eq('Name', lit.string(text)) }),
        );
        expect(ast.where).toMatchObject({ kind: 'compare', value: { kind: 'string', value: text } });
      }),
      { numRuns: 300 },
    );
  });

  it('cannot be broken out of', () => {
    const soql = select(allow, {
      object: 'Account',
      fields: ['Id'],
      where: where.eq('Name', lit.string("x' OR Name != 'y")),
    });
    expect(soql).toBe("SELECT Id FROM Account WHERE Name = 'x\\' OR Name != \\'y'");
    expect(parseSoql(soql).where).toMatchObject({ kind: 'compare', op: '=' });
    expect(escapeSoqlString('a\\b\n"c"')).toBe('a\\\\b\\n\\"c\\"');
  });

  it('escapes LIKE wildcards in the value, keeping its own', () => {
    const soql = select(allow, {
      object: 'Task',
      fields: ['Id'],
      where: where.like('Subject', '50%_off [ps:1]', { before: true, after: false }),
    });
    expect(soql).toBe("SELECT Id FROM Task WHERE Subject LIKE '%50\\%\\_off [ps:1]'");
    expect(parseSoql(soql).where).toMatchObject({ kind: 'like' });
  });

  it('types ids, dates, numbers, booleans and instants, refusing what is not one', () => {
    expect(lit.id('0015g000000000PAAQ').soql).toBe("'0015g000000000PAAQ'");
    expect(() => lit.id("001' OR Id != '")).toThrow(SoqlError);
    expect(lit.dateTime(Date.parse('2026-03-01T10:00:00Z')).soql).toBe('2026-03-01T10:00:00.000Z');
    expect(() => lit.date('2026-02-30x')).toThrow(SoqlError);
    expect(lit.number('12.50').soql).toBe('12.50');
    expect(() => lit.number('1e9')).toThrow(SoqlError);
    expect(lit.scalar(true).soql).toBe('true');
    expect(lit.scalar('Partner').soql).toBe("'Partner'");
  });
});

describe('allow-list', () => {
  it('lets only allowed objects and fields into a query, case-insensitively, conditions included', () => {
    expect(
      select(allow, { object: 'account', fields: ['ID', 'owner.email'], orderBy: ['SystemModstamp', 'Id'], limit: 5 }),
    ).toBe('SELECT ID, owner.email FROM account ORDER BY SystemModstamp, Id LIMIT 5');
    expect(() => select(allow, { object: 'Account', fields: ['Id', 'AnnualRevenue'] })).toThrow(/AnnualRevenue/);
    expect(() =>
      select(allow, { object: 'Account', fields: ['Id'], where: where.eq('Industry', lit.string('x')) }),
    ).toThrow(/Industry/);
    expect(() => select(allow, { object: 'Contact', fields: ['Id'] })).toThrow(/Contact/);
  });

  it('refuses names that are not API names', () => {
    for (const bad of ['Name; DELETE', 'Name FROM User', 'a__b__c__d', '_x', 'A.B.C', "Type'"])
      expect(isApiName(bad), bad).toBe(false);
    for (const good of ['Name', 'Partner_Source__c', 'ns__Field__c', 'Partner_Source__r', 'Profile.Name'])
      expect(isApiName(good), good).toBe(true);
    expect(() => new SoqlAllowList().allow('Account', ['Type = 1 OR Id'])).toThrow(SoqlError);
  });

  it('parenthesises every operand of AND and OR', () => {
    const c = where.or(
      where.eq('Type', lit.string('a')),
      where.and(where.eq('Name', lit.string('b')), where.not(where.eq('Id', lit.id('001000000000001AAA')))),
    );
    expect(c.soql).toBe("(Type = 'a') OR ((Name = 'b') AND (NOT (Id = '001000000000001AAA')))");
    expect(parseSoql(`SELECT Id FROM Account WHERE ${c.soql}`).where?.kind).toBe('or');
  });
});

describe('IN lists', () => {
  it('hold as many ids as keep the encoded query under the URI budget', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `006${String(i).padStart(15, '0')}`);
    const q = (list: string[]): string =>
      select(new SoqlAllowList().allow('OpportunityPartner', ['Id', 'OpportunityId', 'AccountToId', 'CreatedDate']), {
        object: 'OpportunityPartner',
        fields: ['Id', 'OpportunityId', 'AccountToId', 'CreatedDate'],
        where: where.in('OpportunityId', list.map(lit.id)),
      });
    const n = idsPerInList(q(ids.slice(0, 1)));
    expect(n).toBeGreaterThan(500);
    expect(encodeQueryValue(q(ids.slice(0, n))).length).toBeLessThanOrEqual(QUERY_URI_BUDGET);
    expect(encodeQueryValue(q(ids.slice(0, n + 1))).length).toBeGreaterThan(QUERY_URI_BUDGET - 30);
  });
});

describe('incremental window', () => {
  const mark = { ts: '2026-02-01T00:00:00.000Z', id: '0065g0000000009AAA' };
  it('adds the lookback (other users only) when the last read was close to the mark', () => {
    const near = incrementalWindow({ ...mark, readAt: '2026-02-01T00:01:00.000Z' }, 300_000, '0055g0000000001AAA');
    expect(near?.soql).toContain(
      "(SystemModstamp >= 2026-01-31T23:56:00.000Z) AND (LastModifiedById != '0055g0000000001AAA')",
    );
    const far = incrementalWindow({ ...mark, readAt: '2026-02-01T00:10:00.000Z' }, 300_000, '0055g0000000001AAA');
    expect(far?.soql).not.toContain('LastModifiedById');
    expect(incrementalWindow({ ts: null, id: null, readAt: null }, 300_000, '0055g0000000001AAA')).toBeUndefined();
    expect(
      incrementalWindow({ ...mark, readAt: '2026-02-01T00:00:01.000Z' }, 0, '0055g0000000001AAA')?.soql,
    ).not.toContain('>=');
  });

  it("starts at the mark's whole second when the last read began within it, or its time is unknown", () => {
    // SystemModstamp has whole seconds: a row changed after that read may share the mark's second with a lower Id.
    const sameSecond = { ...mark, ts: '2026-02-01T00:00:00.000Z', readAt: '2026-02-01T00:00:00.000Z' };
    for (const w of [sameSecond, { ...mark, readAt: null }]) {
      const soql = incrementalWindow(w, 0, '0055g0000000001AAA')?.soql ?? '';
      expect(soql).toBe('SystemModstamp >= 2026-02-01T00:00:00.000Z');
    }
  });
});

describe('record helpers', () => {
  const tz = new TimeZone('America/New_York');
  it('reads Salesforce dateTimes and turns dates into local midnight', () => {
    expect(parseSalesforceDateTime('2026-03-01T10:00:00.000+0000')).toBe(Date.parse('2026-03-01T10:00:00Z'));
    expect(parseSalesforceDateTime('2026-03-01T10:00:00.000Z')).toBe(Date.parse('2026-03-01T10:00:00Z'));
    expect(parseSalesforceDateTime('2026-03-01T10:00:00+02:00')).toBe(Date.parse('2026-03-01T08:00:00Z'));
    expect(parseSalesforceDateTime('yesterday')).toBeNull();
    expect(toInstant('2026-07-04', tz)).toBe('2026-07-04T04:00:00.000Z');
    expect(toInstant('2026-01-04', tz)).toBe('2026-01-04T05:00:00.000Z');
    expect(toInstant('garbage', tz)).toBe('garbage');
    expect(toInstant(null, tz)).toBeNull();
  });

  it('maps IsClosed/IsWon to stages unless an override names the stage', () => {
    expect(stageOf({ StageName: 'Closed Won', IsClosed: true, IsWon: true }, new Map())).toBe('won');
    expect(stageOf({ StageName: 'Closed Lost', IsClosed: true, IsWon: false }, new Map())).toBe('lost');
    expect(stageOf({ StageName: 'Prospecting', IsClosed: false, IsWon: false }, new Map())).toBe('open');
    expect(
      stageOf(
        { StageName: 'Closed - Duplicate', IsClosed: true, IsWon: false },
        new Map([['closed - duplicate', 'open' as const]]),
      ),
    ).toBe('open');
  });

  it('evaluates the partner filter as SOQL would: field names and text case-insensitively', () => {
    expect(matchesWhere({ Type: 'Partner' }, { type: 'PARTNER' })).toBe(true);
    expect(matchesWhere({ Type: 'Prospect' }, { Type: 'Partner' })).toBe(false);
    expect(matchesWhere({ IsPartner: true }, { IsPartner: true })).toBe(true);
    expect(matchesWhere({ IsPartner: 'false' }, { IsPartner: true })).toBe(false);
    expect(matchesWhere({ Tier__c: '3' }, { Tier__c: 3 })).toBe(true);
  });
});
