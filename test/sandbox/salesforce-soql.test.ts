// The sandbox's SOQL subset, table-driven against a small hand-built org: what each query
// returns, in which order, and how unsupported or wrong queries are refused.

import { describe, expect, it } from 'vitest';
import { SfApiError } from '../../src/sandbox/salesforce/errors.ts';
import { DEFAULT_STAGES } from '../../src/sandbox/salesforce/schema/standard-objects.ts';
import { runQuery } from '../../src/sandbox/salesforce/soql/execute.ts';
import type { QuerySchema } from '../../src/sandbox/salesforce/soql/resolve.ts';
import { OPEN_ACCESS } from '../../src/sandbox/salesforce/store/field-access.ts';
import { SalesforceOrg } from '../../src/sandbox/salesforce/store/org.ts';

const T0 = Date.parse('2026-02-01T00:00:00Z');

function buildOrg(): { org: SalesforceOrg; ids: Record<string, string> } {
  const org = new SalesforceOrg({
    stages: DEFAULT_STAGES,
    currencies: ['USD', 'EUR'],
    corporateCurrency: 'USD',
    now: () => T0,
  });
  const user = String(
    org.insert(
      'User',
      { Username: 'ada@x.example', FirstName: 'Ada', LastName: 'Admin', Email: 'ada@x.example', Alias: 'ada' },
      'none',
    )['Id'],
  );
  const account = (Name: string, Type: string | null): string =>
    String(org.insert('Account', { Name, Type, OwnerId: user }, user)['Id']);
  const acme = account('Acme', 'Partner');
  const globex = account('Globex', 'Customer - Direct');
  account("O'Brien & Co", null);
  account('100% Partners', 'Partner');
  const opp = (Name: string, values: Record<string, string | number | null>): string =>
    String(org.insert('Opportunity', { Name, OwnerId: user, CurrencyIsoCode: 'USD', ...values }, user)['Id']);
  const big = opp('Big deal', {
    AccountId: globex,
    Amount: 1000,
    StageName: 'Closed Won',
    CloseDate: '2026-01-15',
    CreatedDate: Date.parse('2026-01-01T10:00:00Z'),
  });
  opp('Small deal', {
    AccountId: null,
    Amount: 50.5,
    StageName: 'Prospecting',
    CloseDate: '2026-03-01',
    CreatedDate: Date.parse('2026-01-02T10:00:00Z'),
  });
  opp('Mid deal', {
    AccountId: acme,
    Amount: null,
    StageName: 'Closed Lost',
    CloseDate: '2025-12-31',
    CreatedDate: Date.parse('2026-01-03T10:00:00Z'),
  });
  const gone = opp('Gone deal', { AccountId: acme, Amount: 10, StageName: 'Prospecting', CloseDate: '2026-01-20' });
  org.softDelete('Opportunity', gone, user);
  return { org, ids: { user, acme, globex, big } };
}

const { org, ids } = buildOrg();
const schema: QuerySchema = { table: (n) => org.table(n), find: (id) => org.find(id), access: OPEN_ACCESS };

function names(soql: string, includeDeleted = false): unknown[] {
  const result = runQuery(soql, schema, { includeDeleted, tooling: false }, '66.0');
  return result.rows.map((r) => r['Name']);
}

function failure(soql: string): SfApiError {
  try {
    runQuery(soql, schema, { includeDeleted: false, tooling: false }, '66.0');
  } catch (err) {
    if (err instanceof SfApiError) return err;
    throw err;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('SOQL: rows and order', () => {
  const cases: [string, string, unknown[]][] = [
    ['order by name', 'SELECT Name FROM Opportunity ORDER BY Name', ['Big deal', 'Mid deal', 'Small deal']],
    [
      'keywords and names are case-insensitive',
      'select name from opportunity order by NAME desc',
      ['Small deal', 'Mid deal', 'Big deal'],
    ],
    ['number comparison', 'SELECT Name FROM Opportunity WHERE Amount > 100', ['Big deal']],
    ['= null', 'SELECT Name FROM Opportunity WHERE Amount = null', ['Mid deal']],
    ['!= null', 'SELECT Name FROM Opportunity WHERE Amount != null ORDER BY Amount', ['Small deal', 'Big deal']],
    ['!= keeps nulls', 'SELECT Name FROM Opportunity WHERE Amount != 1000 ORDER BY Name', ['Mid deal', 'Small deal']],
    ['<> is !=', 'SELECT Name FROM Opportunity WHERE Amount <> 1000 ORDER BY Name', ['Mid deal', 'Small deal']],
    [
      'nulls first by default (ASC)',
      'SELECT Name FROM Opportunity ORDER BY Amount',
      ['Mid deal', 'Small deal', 'Big deal'],
    ],
    [
      'nulls first by default (DESC)',
      'SELECT Name FROM Opportunity ORDER BY Amount DESC',
      ['Mid deal', 'Big deal', 'Small deal'],
    ],
    [
      'NULLS LAST',
      'SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS LAST',
      ['Big deal', 'Small deal', 'Mid deal'],
    ],
    [
      'ASC NULLS FIRST',
      'SELECT Name FROM Opportunity ORDER BY Amount ASC NULLS FIRST',
      ['Mid deal', 'Small deal', 'Big deal'],
    ],
    ['LIKE is case-insensitive', "SELECT Name FROM Opportunity WHERE Name LIKE 'big%'", ['Big deal']],
    [
      'LIKE suffix',
      "SELECT Name FROM Opportunity WHERE Name LIKE '%DEAL' ORDER BY Name",
      ['Big deal', 'Mid deal', 'Small deal'],
    ],
    ['LIKE single character', "SELECT Name FROM Opportunity WHERE Name LIKE '_id deal'", ['Mid deal']],
    ['LIKE escaped wildcard', "SELECT Name FROM Account WHERE Name LIKE '100\\%%'", ['100% Partners']],
    ['escaped quote', "SELECT Name FROM Account WHERE Name = 'O\\'Brien & Co'", ["O'Brien & Co"]],
    ['text = is case-insensitive', "SELECT Name FROM Account WHERE Name = 'ACME'", ['Acme']],
    [
      'IN',
      "SELECT Name FROM Opportunity WHERE StageName IN ('Closed Won', 'closed lost') ORDER BY Name",
      ['Big deal', 'Mid deal'],
    ],
    [
      'NOT IN',
      "SELECT Name FROM Opportunity WHERE StageName NOT IN ('Closed Won') ORDER BY Name",
      ['Mid deal', 'Small deal'],
    ],
    [
      'NOT IN keeps nulls',
      `SELECT Name FROM Opportunity WHERE AccountId NOT IN ('${ids['globex'] ?? ''}') ORDER BY Name`,
      ['Mid deal', 'Small deal'],
    ],
    ['boolean literal', 'SELECT Name FROM Opportunity WHERE IsWon = true', ['Big deal']],
    ['NOT', 'SELECT Name FROM Opportunity WHERE NOT IsWon = true ORDER BY Name', ['Mid deal', 'Small deal']],
    [
      'parentheses',
      'SELECT Name FROM Opportunity WHERE (Amount > 100 OR Amount = null) AND IsClosed = true ORDER BY Name',
      ['Big deal', 'Mid deal'],
    ],
    ['NOT over a group', 'SELECT Name FROM Opportunity WHERE NOT (IsWon = true OR Amount = null)', ['Small deal']],
    [
      'date literal',
      'SELECT Name FROM Opportunity WHERE CloseDate >= 2026-01-01 ORDER BY CloseDate',
      ['Big deal', 'Small deal'],
    ],
    [
      'dateTime literal Z',
      'SELECT Name FROM Opportunity WHERE CreatedDate > 2026-01-01T10:00:00Z ORDER BY CreatedDate',
      ['Small deal', 'Mid deal'],
    ],
    [
      'dateTime literal with offset',
      'SELECT Name FROM Opportunity WHERE CreatedDate = 2026-01-01T12:00:00+02:00',
      ['Big deal'],
    ],
    [
      'dateTime literal with milliseconds',
      'SELECT Name FROM Opportunity WHERE CreatedDate <= 2026-01-01T10:00:00.000Z',
      ['Big deal'],
    ],
    [
      // Real orgs accept fractions of a second in literals, though they stamp whole seconds.
      'dateTime literal with a fraction of a second, against whole-second stamps',
      'SELECT Name FROM Opportunity WHERE CreatedDate > 2026-01-01T09:59:59.5Z AND CreatedDate < 2026-01-01T10:00:00.001Z',
      ['Big deal'],
    ],
    ['relationship filter', "SELECT Name FROM Opportunity WHERE Account.Type = 'Partner'", ['Mid deal']],
    [
      'relationship sort, nulls last',
      'SELECT Name FROM Opportunity ORDER BY Account.Name NULLS LAST, Name',
      ['Mid deal', 'Big deal', 'Small deal'],
    ],
    [
      'multiple sort keys',
      'SELECT Name FROM Opportunity ORDER BY IsClosed DESC, Amount DESC',
      ['Mid deal', 'Big deal', 'Small deal'],
    ],
    ['LIMIT', 'SELECT Name FROM Opportunity ORDER BY Name LIMIT 2', ['Big deal', 'Mid deal']],
    ['OFFSET', 'SELECT Name FROM Opportunity ORDER BY Name LIMIT 1 OFFSET 1', ['Mid deal']],
    ['15-character id', `SELECT Name FROM Opportunity WHERE Id = '${(ids['big'] ?? '').slice(0, 15)}'`, ['Big deal']],
    [
      'Id ordering is creation order',
      'SELECT Name FROM Opportunity ORDER BY Id DESC',
      ['Mid deal', 'Small deal', 'Big deal'],
    ],
    ['deleted rows are hidden', 'SELECT Name FROM Opportunity WHERE IsDeleted = true', []],
  ];
  it.each(cases)('%s', (_label, soql, expected) => {
    expect(names(soql)).toEqual(expected);
  });

  it('queryAll sees deleted rows', () => {
    expect(names('SELECT Name FROM Opportunity WHERE IsDeleted = true', true)).toEqual(['Gone deal']);
  });

  it('COUNT() counts without rows', () => {
    const result = runQuery(
      'SELECT COUNT() FROM Opportunity WHERE IsClosed = true',
      schema,
      { includeDeleted: false, tooling: false },
      '66.0',
    );
    expect(result.countOnly).toBe(true);
    expect(result.rows).toHaveLength(2);
  });

  it('projects relationship fields nested, null when empty, dateTimes in Salesforce format', () => {
    const result = runQuery(
      'SELECT Name, CreatedDate, Account.Name, Owner.Email FROM Opportunity ORDER BY Name LIMIT 3',
      schema,
      { includeDeleted: false, tooling: false },
      '66.0',
    );
    const [big, , small] = result.rows.map(result.project);
    expect(big).toMatchObject({
      attributes: { type: 'Opportunity' },
      Name: 'Big deal',
      CreatedDate: '2026-01-01T10:00:00.000+0000',
      Account: { attributes: { type: 'Account' }, Name: 'Globex' },
      Owner: { Email: 'ada@x.example' },
    });
    expect(small).toMatchObject({ Account: null });
  });
});

describe('SOQL: refusals', () => {
  const cases: [string, string, string, string][] = [
    ['empty select list', 'SELECT FROM Opportunity', 'MALFORMED_QUERY', "unexpected token: 'FROM'"],
    ['dangling WHERE', 'SELECT Name FROM Opportunity WHERE', 'MALFORMED_QUERY', 'unexpected token'],
    ['unknown field', 'SELECT Nme FROM Opportunity', 'INVALID_FIELD', "No such column 'Nme' on entity 'Opportunity'"],
    [
      'unknown relationship',
      'SELECT Acount.Name FROM Opportunity',
      'INVALID_FIELD',
      "Didn't understand relationship 'Acount'",
    ],
    ['unknown object', 'SELECT Name FROM Opp', 'INVALID_TYPE', "sObject type 'Opp' is not supported"],
    [
      'quoted number',
      "SELECT Name FROM Opportunity WHERE Amount = '5'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'must be of type double',
    ],
    [
      'date field, dateTime literal',
      'SELECT Name FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z',
      'INVALID_QUERY_FILTER_OPERATOR',
      'must be of type date',
    ],
    [
      'dateTime field, date literal',
      'SELECT Name FROM Opportunity WHERE CreatedDate > 2026-01-01',
      'INVALID_QUERY_FILTER_OPERATOR',
      'must be of type dateTime',
    ],
    [
      'unquoted text',
      'SELECT Name FROM Opportunity WHERE Name = 5',
      'INVALID_QUERY_FILTER_OPERATOR',
      'must be of type string',
    ],
    [
      'bad id',
      "SELECT Name FROM Opportunity WHERE AccountId = 'abc'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid ID field: abc',
    ],
    [
      'AND and OR without parentheses',
      'SELECT Name FROM Opportunity WHERE Amount = 1 AND IsWon = true OR IsClosed = true',
      'MALFORMED_QUERY',
      'parentheses',
    ],
    ['GROUP BY', 'SELECT Name FROM Opportunity GROUP BY Name', 'MALFORMED_QUERY', 'GROUP is not supported'],
    [
      'subquery',
      'SELECT Name, (SELECT Id FROM OpportunityPartners) FROM Opportunity',
      'MALFORMED_QUERY',
      'subqueries are not supported',
    ],
    ['aggregate', 'SELECT COUNT(Id) FROM Opportunity', 'MALFORMED_QUERY', 'COUNT(field)'],
    ['two relationship levels', 'SELECT Account.Owner.Name FROM Opportunity', 'MALFORMED_QUERY', 'one level'],
    [
      'impossible date',
      'SELECT Name FROM Opportunity WHERE CloseDate = 2026-02-30',
      'MALFORMED_QUERY',
      'invalid date literal',
    ],
    ['unterminated string', "SELECT Name FROM Opportunity WHERE Name = 'abc", 'MALFORMED_QUERY', 'unterminated'],
    [
      'illegal escape',
      "SELECT Name FROM Opportunity WHERE Name = 'a\\qb'",
      'MALFORMED_QUERY',
      "Illegal character sequence '\\q'",
    ],
    [
      'wildcard escape outside LIKE',
      "SELECT Name FROM Opportunity WHERE Name = '100\\%'",
      'MALFORMED_QUERY',
      'Illegal character sequence',
    ],
    [
      'offset too large',
      'SELECT Name FROM Opportunity OFFSET 2001',
      'NUMBER_OUTSIDE_VALID_RANGE',
      'Maximum SOQL offset allowed is 2000',
    ],
    [
      'relative date literal',
      'SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:30',
      'MALFORMED_QUERY',
      'LAST_N_DAYS is not supported',
    ],
    [
      'long text filter',
      "SELECT Name FROM Opportunity WHERE Description = 'x'",
      'INVALID_FIELD',
      'can not be filtered',
    ],
    [
      'LIKE on a number',
      "SELECT Name FROM Opportunity WHERE Amount LIKE '1%'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid operator',
    ],
    ['duplicate field', 'SELECT Id, id FROM Opportunity', 'MALFORMED_QUERY', 'duplicate field selected: Id'],
    ['object alias', 'SELECT Name FROM Opportunity o', 'MALFORMED_QUERY', 'aliases'],
    ['trailing garbage', 'SELECT Name FROM Opportunity LIMIT 5 5', 'MALFORMED_QUERY', "unexpected token: '5'"],
    ['bind variable', 'SELECT Name FROM Opportunity WHERE Id IN :ids', 'MALFORMED_QUERY', 'bind variables'],
  ];
  it.each(cases)('%s', (_label, soql, code, text) => {
    const err = failure(soql);
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe(code);
    expect(err.message).toContain(text);
  });

  it('points at the offending token as Salesforce does', () => {
    expect(failure('SELECT Nme FROM Opportunity').body()).toEqual([
      {
        errorCode: 'INVALID_FIELD',
        message:
          "\nSELECT Nme FROM Opportunity\n       ^\nERROR at Row:1:Column:8\nNo such column 'Nme' on entity 'Opportunity'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
      },
    ]);
  });
});
