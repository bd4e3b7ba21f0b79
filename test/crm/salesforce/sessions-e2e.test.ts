// End to end on the sandbox's Salesforce personality, which refuses what Salesforce refuses: a
// whole sync (runSync, SQLite store) with each OAuth flow — client credentials, JWT bearer,
// refresh token — while the org's clock passes the session lifetime in the middle of the pull and
// again before the write-back. The adapter gets 401 INVALID_SESSION_ID, asks the token endpoint
// again with its flow, and the run finishes. Also the single-currency org: no CurrencyIsoCode,
// amounts in the org currency.

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PullPage, WriteBack } from '../../../src/crm/port.ts';
import type { SalesforceCredentials } from '../../../src/crm/salesforce/auth.ts';
import { silentLogger } from '../../../src/log.ts';
import { manualClock } from '../../../src/sandbox/clock.ts';
import { INTEGRATION_USERNAME } from '../../../src/sandbox/salesforce/seed/seed-org.ts';
import { startSandbox } from '../../../src/sandbox/server.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { runSync } from '../../../src/sync/run-sync.ts';
import { salesforceToken } from '../../sandbox/helpers.ts';
import { adapterFor, ANCHOR, salesforceConfig, VERSION } from './helpers.ts';

const AS_OF = Date.parse('2026-06-01T12:00:00Z');
const TTL_S = 900;
const TOKEN_ROUTE = 'POST /services/oauth2/token';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const FLOWS: [string, SalesforceCredentials][] = [
  ['client credentials', { flow: 'client_credentials', clientId: 'eca-key', clientSecret: 'eca-secret' }],
  ['JWT bearer', { flow: 'jwt', clientId: 'eca-key', username: INTEGRATION_USERNAME, privateKey: pem }],
  [
    'refresh token',
    { flow: 'refresh_token', clientId: 'app-key', clientSecret: 'app-secret', refreshToken: 'refresh-1' },
  ],
];

describe.each(FLOWS)('a session expiring mid-sync (%s)', (_name, credentials) => {
  it('is re-issued on 401 INVALID_SESSION_ID and the run finishes; the next run changes nothing', async () => {
    const clock = manualClock(AS_OF);
    const sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 31,
      partners: 12,
      deals: 300,
      anchor: ANCHOR,
      clock,
      tokenTtlSeconds: TTL_S,
    });
    const store = await openStore(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'ps-sf-session-')), 'db')}`);
    try {
      const config = salesforceConfig();
      const adapter = adapterFor(sandbox.url, config, { credentials });
      // The org's clock passes the session lifetime after the first page is read, and again
      // before the write-back: both the next read and the first write meet an expired session.
      const pull = adapter.pull.bind(adapter);
      let pages = 0;
      adapter.pull = (request) =>
        (async function* (): AsyncGenerator<PullPage> {
          for await (const page of pull(request)) {
            yield page;
            if (++pages === 1) clock.advance((TTL_S + 1) * 1000);
          }
        })();
      const writeBack = adapter.writeBack.bind(adapter);
      let writes = 0;
      adapter.writeBack = (changes: WriteBack) => {
        if (++writes === 1) clock.advance((TTL_S + 1) * 1000);
        return writeBack(changes);
      };
      const deps = { crm: adapter, store, clock: { now: () => AS_OF }, logger: silentLogger(), config };

      const first = await runSync(deps, { full: true });
      expect(first.status).toBe('succeeded');
      expect(pages).toBeGreaterThan(1);
      expect(writes).toBeGreaterThan(0);
      expect(first.report.writeBack.failures).toEqual([]);
      expect(first.report.writeBack.deals + first.report.writeBack.partners).toBeGreaterThan(0);
      // One grant at the start, one after each expiry; each expiry answered one request with 401.
      const stats = sandbox.state.stats();
      expect(stats.byRoute[TOKEN_ROUTE]).toEqual({ count: 3, statuses: { 200: 3 } });
      const refused = Object.values(stats.byRoute).reduce((n, r) => n + (r.statuses[401] ?? 0), 0);
      expect(refused).toBe(2);
      expect((await store.ledgerEntries(first.account, {})).length).toBeGreaterThan(0);

      clock.advance(2000);
      const second = await runSync(deps, { full: false });
      expect(second.status).toBe('succeeded');
      expect(second.report.writeBack.deals + second.report.writeBack.partners).toBe(0);
    } finally {
      await store.close();
      await sandbox.stop();
    }
  });
});

describe('a single-currency org', () => {
  it('has no CurrencyIsoCode or CurrencyType; the adapter reads every amount in the org currency', async () => {
    const seed = { seed: 8, partners: 10, deals: 200, anchor: ANCHOR };
    const multi = await startSandbox({ crm: 'salesforce', ...seed });
    const single = await startSandbox({ crm: 'salesforce', ...seed, extra: { multiCurrency: false } });
    try {
      const token = await salesforceToken(single.url);
      const query = async (soql: string): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`${single.url}/services/data/v${VERSION}/query?q=${encodeURIComponent(soql)}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        return { status: res.status, body: await res.json() };
      };
      expect(await query('SELECT CurrencyIsoCode FROM Opportunity LIMIT 1')).toMatchObject({
        status: 400,
        body: [{ errorCode: 'INVALID_FIELD' }],
      });
      expect(await query('SELECT IsoCode FROM CurrencyType')).toMatchObject({
        status: 400,
        body: [{ errorCode: 'INVALID_TYPE' }],
      });
      expect(await query('SELECT DefaultCurrencyIsoCode FROM Organization')).toMatchObject({
        status: 200,
        body: { totalSize: 1, records: [{ DefaultCurrencyIsoCode: 'USD' }] },
      });

      const read = async (url: string): Promise<PullPage['deals']> => {
        const pages: PullPage[] = [];
        for await (const p of adapterFor(url).pull({ mode: 'full', cursor: null, refreshLinks: false })) pages.push(p);
        return pages.flatMap((p) => p.deals);
      };
      // The same seed gives the same record ids in both orgs.
      const multiDeals = new Map((await read(multi.url)).map((d) => [d.id, d]));
      const singleDeals = await read(single.url);
      expect(singleDeals).toHaveLength(multiDeals.size);
      expect(new Set(singleDeals.map((d) => d.currency))).toEqual(new Set(['USD']));
      // A CAD deal of the multi-currency org holds its amount converted at the org's CAD rate (1.36).
      const cad = singleDeals.find((d) => multiDeals.get(d.id)?.currency === 'CAD');
      expect(cad).toBeDefined();
      const original = Number(multiDeals.get(cad?.id ?? '')?.amount);
      expect(Number(cad?.amount)).toBeCloseTo(Math.round((original / 1.36) * 100) / 100, 2);
    } finally {
      await multi.stop();
      await single.stop();
    }
  });
});
