// Contract tests of the Salesforce sandbox through the official jsforce client (not project
// code): OAuth, identity, versions, query paging, queryAll, limits, session refresh, Bulk 2.0,
// errors. Each expectation is what jsforce needs from the real API.

import jsforce from 'jsforce';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { isSalesforcePersonality } from '../../src/sandbox/salesforce/personality.ts';
import { INTEGRATION_USERNAME } from '../../src/sandbox/salesforce/seed/seed-org.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import { salesforceToken } from './helpers.ts';
import type { SandboxHandle } from '../../src/sandbox/server.ts';

const ANCHOR = '2026-06-01T00:00:00Z';
const VERSION = '66.0';

/** A connection with a token the sandbox issued (it refuses any other, as Salesforce does) and a refresh token. */
async function connect(url: string, token?: string): Promise<Connection> {
  return new jsforce.Connection({
    loginUrl: url,
    instanceUrl: url,
    accessToken: token ?? (await salesforceToken(url)),
    refreshToken: 'test-refresh-token',
    oauth2: { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', loginUrl: url },
    version: VERSION,
  });
}

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

function users(sb: SandboxHandle): { Id: string; Username: string }[] {
  return ((sb.state.dump()['salesforce'] as Record<string, unknown[]>)['User'] ?? []) as {
    Id: string;
    Username: string;
  }[];
}

async function rejection(
  promise: PromiseLike<unknown>,
): Promise<{ errorCode?: string; name?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { errorCode?: string; message: string };
  }
  throw new Error('expected a rejection');
}

let sandbox: SandboxHandle;
let conn: Connection;

beforeAll(async () => {
  sandbox = await startSandbox({ crm: 'salesforce', seed: 7, partners: 20, deals: 2500, anchor: ANCHOR });
  conn = await connect(sandbox.url);
});

afterAll(async () => {
  await sandbox.stop();
});

describe('OAuth, identity and versions', () => {
  it('issues a token for a JWT-bearer grant with instance_url and an id URL jsforce parses', async () => {
    const c = new jsforce.Connection({
      loginUrl: sandbox.url,
      oauth2: { clientId: 'sandbox-client', loginUrl: sandbox.url },
      version: VERSION,
    });
    const user = await c.authorize({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt({ sub: INTEGRATION_USERNAME, aud: sandbox.url, exp: Math.floor(Date.now() / 1000) + 300 }),
    });
    expect(user.organizationId).toMatch(/^00D[0-9A-Za-z]{15}$/);
    expect(user.id).toMatch(/^005[0-9A-Za-z]{15}$/);
    expect(c.instanceUrl).toBe(sandbox.url);
    const identity = await c.identity();
    expect(identity).toMatchObject({
      user_id: user.id,
      organization_id: user.organizationId,
      username: INTEGRATION_USERNAME,
    });
  });

  it('answers the refresh-token and client-credentials grants, and rejects unknown grants', async () => {
    const refreshed = await conn.oauth2.refreshToken('any-refresh-token');
    expect(refreshed).toMatchObject({ token_type: 'Bearer', instance_url: sandbox.url });
    expect(refreshed.id).toMatch(new RegExp(`^${sandbox.url}/id/00D\\w{15}/005\\w{15}$`));
    expect(refreshed.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Number(refreshed.issued_at)).toBeGreaterThan(0);
    expect(refreshed.refresh_token).toBeUndefined();
    const c = await connect(sandbox.url);
    await c.authorize({ grant_type: 'client_credentials' });
    expect(c.accessToken).toMatch(/^sandbox-at-/);
    const bad = await rejection(c.oauth2.requestToken({ grant_type: 'password_please' }));
    expect(bad.name).toBe('unsupported_grant_type');
  });

  it('lists versions without a token or API usage, and the version root with one', async () => {
    const res = await fetch(`${sandbox.url}/services/data/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('sforce-limit-info')).toBeNull();
    const versions = (await res.json()) as { version: string; url: string; label: string }[];
    expect(versions).toContainEqual({ version: VERSION, url: `/services/data/v${VERSION}`, label: "Spring '26" });
    const root = await conn.request<Record<string, string>>(`/services/data/v${VERSION}/`);
    expect(root['query']).toBe(`/services/data/v${VERSION}/query`);
    expect(root['identity']).toContain('/id/00D');
  });
});

describe('query', () => {
  it('pages with nextRecordsUrl locators honouring Sforce-Query-Options, and autoFetch follows them', async () => {
    const first = await conn.request<{ totalSize: number; done: boolean; nextRecordsUrl?: string; records: unknown[] }>(
      {
        method: 'GET',
        url: `/services/data/v${VERSION}/query?q=${encodeURIComponent('SELECT Id FROM Opportunity')}`,
        headers: { 'Sforce-Query-Options': 'batchSize=500' },
      },
    );
    expect(first).toMatchObject({ totalSize: 2500, done: false });
    expect(first.records).toHaveLength(500);
    expect(first.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${VERSION}/query/01g\\w{15}-500$`));

    let pages = 0;
    const query = conn.query('SELECT Id, Name FROM Opportunity ORDER BY Id').on('fetch', () => {
      pages++;
    });
    const all = await query.run({
      autoFetch: true,
      maxFetch: 100_000,
      headers: { 'Sforce-Query-Options': 'batchSize=1000' },
    });
    expect(all.records).toHaveLength(2500);
    expect(pages).toBe(3);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(2500);
  });

  it("stops autoFetch silently at jsforce's default maxFetch of 10,000 rows", async () => {
    const big = await startSandbox({ crm: 'salesforce', seed: 11, partners: 10, deals: 10_300, anchor: ANCHOR });
    try {
      const result = await (await connect(big.url)).query('SELECT Id FROM Opportunity').run({ autoFetch: true });
      expect(result.totalSize).toBe(10_300);
      expect(result.records).toHaveLength(10_000);
      expect(big.state.stats().byRoute[`GET /services/data/v${VERSION}/query/{locator}`]?.count).toBe(4);
    } finally {
      await big.stop();
    }
  });

  it('clamps batchSize to 200–2,000 and defaults to 2,000', async () => {
    const ask = async (options: string | null): Promise<number> => {
      const headers: Record<string, string> = options === null ? {} : { 'Sforce-Query-Options': options };
      const page = await conn.request<{ records: unknown[] }>({
        method: 'GET',
        url: `/services/data/v${VERSION}/query?q=SELECT+Id+FROM+Opportunity`,
        headers,
      });
      return page.records.length;
    };
    expect(await ask(null)).toBe(2000);
    expect(await ask('batchSize=5000')).toBe(2000);
    expect(await ask('batchSize=10')).toBe(200);
  });

  it('counts with COUNT() and selects one level of relationship fields', async () => {
    const count = await conn.query('SELECT COUNT() FROM Opportunity WHERE IsWon = true');
    expect(count.records).toEqual([]);
    expect(count.totalSize).toBeGreaterThan(0);
    const rows = await conn.query<{ Account: { Name: string } | null; Owner: { Email: string } }>(
      'SELECT Id, Account.Name, Owner.Email FROM Opportunity WHERE AccountId != null LIMIT 5',
    );
    expect(rows.records).toHaveLength(5);
    for (const r of rows.records) {
      expect(r.Account?.Name).toEqual(expect.any(String));
      expect(r.Owner.Email).toMatch(/@/);
    }
  });

  it('sees deleted rows only through queryAll, with IsDeleted', async () => {
    const [victim] = (await conn.query<{ Id: string }>('SELECT Id FROM Opportunity ORDER BY Id LIMIT 1')).records;
    if (!victim) throw new Error('no opportunity');
    await conn.sobject('Opportunity').destroy(victim.Id);
    const soql = `SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${victim.Id}'`;
    expect((await conn.query(soql)).records).toEqual([]);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(soql, { scanAll: true });
    expect(all.records).toMatchObject([{ Id: victim.Id, IsDeleted: true }]);
    const feed = await conn
      .sobject('Opportunity')
      .deleted(new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000));
    expect(feed.deletedRecords.map((r) => r.id)).toContain(victim.Id);
    const updated = await conn
      .sobject('Opportunity')
      .updated(new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000));
    expect(updated.ids).not.toContain(victim.Id);
  });

  it('rejects bad SOQL with MALFORMED_QUERY and unknown fields with INVALID_FIELD', async () => {
    const malformed = await rejection(conn.query('SELECT FROM Opportunity'));
    expect(malformed.errorCode).toBe('MALFORMED_QUERY');
    const invalid = await rejection(conn.query('SELECT Bogus__c FROM Opportunity'));
    expect(invalid.errorCode).toBe('INVALID_FIELD');
    expect(invalid.message).toContain("No such column 'Bogus__c'");
    const type = await rejection(conn.query('SELECT Id FROM Nope'));
    expect(type.errorCode).toBe('INVALID_TYPE');
  });
});

describe('limits', () => {
  it('reports DailyApiRequests and sends Sforce-Limit-Info on every API response', async () => {
    const limits = await conn.limits();
    expect(limits['DailyApiRequests']?.Max).toBe(115_000);
    expect(limits['DailyApiRequests']?.Remaining).toBeLessThan(115_000);
    expect(conn.limitInfo.apiUsage?.limit).toBe(115_000);
    const res = await fetch(`${sandbox.url}/services/data/v${VERSION}/sobjects`, {
      headers: { Authorization: `Bearer ${await salesforceToken(sandbox.url)}` },
    });
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/115000$/);
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED past the daily allocation; /limits stays readable', async () => {
    const sb = await startSandbox({
      crm: 'salesforce',
      seed: 3,
      partners: 5,
      deals: 50,
      anchor: ANCHOR,
      dailyLimit: 1000,
    });
    try {
      const c = await connect(sb.url);
      await fetch(`${sb.url}/__sandbox/salesforce/api-usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ used: 1000 }),
      });
      const err = await rejection(c.query('SELECT Id FROM Account'));
      expect(err.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect((await c.limits())['DailyApiRequests']).toEqual({ Max: 1000, Remaining: 0 });
      expect(sb.state.stats().rateLimited).toBe(1);
    } finally {
      await sb.stop();
    }
  });
});

describe('sessions', () => {
  it('answers 401 INVALID_SESSION_ID for an expired session; jsforce refreshes and retries', async () => {
    const token = await salesforceToken(sandbox.url);
    const c = await connect(sandbox.url, token);
    await c.query('SELECT Id FROM Account LIMIT 1');
    sandbox.state.expireTokens();
    const raw = await fetch(`${sandbox.url}/services/data/v${VERSION}/limits`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const refreshed: string[] = [];
    c.on('refresh', (token: string) => {
      refreshed.push(token);
    });
    const again = await c.query('SELECT Id FROM Account LIMIT 1');
    expect(again.records).toHaveLength(1);
    expect(refreshed).toHaveLength(1);
    expect(c.accessToken).toBe(refreshed[0]);
  });

  it('refuses a token it never issued, a missing one, and one past its lifetime, as Salesforce does', async () => {
    const clock = manualClock(Date.parse(ANCHOR));
    const sb = await startSandbox({
      crm: 'salesforce',
      seed: 3,
      partners: 5,
      deals: 20,
      anchor: ANCHOR,
      clock,
      tokenTtlSeconds: 600,
    });
    try {
      const limits = (token: string | null): Promise<Response> =>
        fetch(`${sb.url}/services/data/v${VERSION}/limits`, {
          headers: token === null ? {} : { Authorization: `Bearer ${token}` },
        });
      const invalid = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
      for (const token of ['made-up-token', null]) {
        const res = await limits(token);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual(invalid);
      }
      const token = await salesforceToken(sb.url);
      expect((await limits(token)).status).toBe(200);
      clock.advance(599_000);
      expect((await limits(token)).status).toBe(200);
      clock.advance(1_000);
      const expired = await limits(token);
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual(invalid);
      // The token endpoint and the version list need no session.
      expect((await fetch(`${sb.url}/services/data`)).status).toBe(200);
      const personality = sb.state.personality;
      if (!isSalesforcePersonality(personality)) throw new Error('not the Salesforce personality');
      const fresh = await salesforceToken(sb.url);
      const integration = users(sb).find((u) => u.Username === INTEGRATION_USERNAME)?.Id;
      expect(personality.authenticate(fresh)).toBe(integration);
      expect(personality.authenticate(token)).toBeNull();
      expect(personality.authenticate('made-up-token')).toBeNull();
      expect(sb.state.stats().byRoute[`GET /services/data/v${VERSION}/limits`]?.statuses).toMatchObject({ 401: 3 });
    } finally {
      await sb.stop();
    }
  });
});

describe('Bulk API 2.0 query', () => {
  it('runs conn.bulk2.query through create, poll and CSV results', async () => {
    conn.bulk2.pollInterval = 5;
    const stream = await conn.bulk2.query(
      'SELECT Id, Name, Amount, CloseDate, Account.Name FROM Opportunity WHERE IsWon = true',
    );
    const rows: Record<string, string>[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('record', (r: Record<string, string>) => rows.push(r));
      stream.on('end', () => {
        resolve();
      });
      stream.on('error', reject);
    });
    const count = await conn.query('SELECT COUNT() FROM Opportunity WHERE IsWon = true');
    expect(rows).toHaveLength(count.totalSize);
    const first = rows[0] ?? {};
    expect(Object.keys(first)).toEqual(['Id', 'Name', 'Amount', 'CloseDate', 'Account.Name']);
    expect(first['Id']).toMatch(/^006/);
    expect(first['CloseDate']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first['Amount']).toMatch(/^-?\d+(\.\d+)?$|^$/);
  });

  it('pages results by Sforce-Locator and maxRecords, ending with the literal "null"', async () => {
    const auth = { Authorization: `Bearer ${await salesforceToken(sandbox.url)}`, 'content-type': 'application/json' };
    const base = `${sandbox.url}/services/data/v${VERSION}/jobs/query`;
    const created = (await (
      await fetch(base, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account' }),
      })
    ).json()) as { id: string; state: string };
    expect(created.state).toBe('UploadComplete');
    const states: string[] = [];
    for (let i = 0; i < 3; i++)
      states.push(
        ((await (await fetch(`${base}/${created.id}`, { headers: auth })).json()) as { state: string }).state,
      );
    expect(states).toEqual(['UploadComplete', 'InProgress', 'JobComplete']);
    const total = (await conn.query('SELECT COUNT() FROM Account')).totalSize;
    let locator: string | null = '';
    const ids: string[] = [];
    let pages = 0;
    while (locator !== 'null') {
      const res: Response = await fetch(
        `${base}/${created.id}/results?maxRecords=300${locator ? `&locator=${locator}` : ''}`,
        { headers: auth },
      );
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trim().split('\n');
      expect(lines[0]).toBe('"Id"');
      ids.push(...lines.slice(1));
      expect(Number(res.headers.get('sforce-numberofrecords'))).toBe(lines.length - 1);
      locator = res.headers.get('sforce-locator');
      pages++;
    }
    expect(ids).toHaveLength(total);
    expect(pages).toBe(Math.ceil(total / 300));
    expect((await fetch(`${base}/${created.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(`${base}/${created.id}`, { headers: auth })).status).toBe(404);
  });
});

describe('stats', () => {
  it('keys requests by route with ids and locators templated', () => {
    const routes = Object.keys(sandbox.state.stats().byRoute);
    expect(routes).toContain(`GET /services/data/v${VERSION}/query`);
    expect(routes).toContain(`GET /services/data/v${VERSION}/query/{locator}`);
    expect(routes).toContain(`DELETE /services/data/v${VERSION}/sobjects/Opportunity/{id}`);
    expect(routes).toContain(`GET /services/data/v${VERSION}/jobs/query/{jobId}`);
  });
});
