// A CRM date before 1900 or after 2200 on a deal is a malformed record (issue 16, finding 5):
// the sync leaves the deal out as TIMESTAMP_INVALID, names the field and the value in the run
// report, and goes on with the rest — on both sandbox CRMs, through the real adapters.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { dealDate } from '../../src/crm/shared/deal-dates.ts';
import { silentLogger } from '../../src/log.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import { adapterFor, salesforceConfig, VERSION } from './salesforce/helpers.ts';
import { salesforceToken } from '../sandbox/helpers.ts';
import { hubspotConfig, hubspotOnSandbox, type HubspotSandboxFixture } from './hubspot-fixtures.ts';

const ANCHOR = '2026-11-01T00:00:00.000Z';

interface Crm {
  name: string;
  start: () => Promise<{ adapter: CrmAdapter; config: LoadedConfig; stop: () => Promise<void> }>;
  /** Sets a won deal's close date in the CRM, as a rep would (a date, or an instant for HubSpot). */
  setCloseDate: (id: string, date: string) => Promise<void>;
  /** What the run report shows for that value. */
  shown: (date: string) => string;
}

let hubspot: HubspotSandboxFixture | null = null;
let salesforce: SandboxHandle | null = null;

const CRMS: Crm[] = [
  {
    name: 'HubSpot',
    start: async () => {
      hubspot = await hubspotOnSandbox({
        sandbox: { partners: 8, deals: 120, anchor: ANCHOR, limits: 'off' },
      });
      const fx = hubspot;
      return { adapter: fx.adapter, config: hubspotConfig(), stop: () => fx.stop() };
    },
    setCloseDate: async (id, date) => {
      // https://developers.hubspot.com/docs/api/crm/deals (PATCH /crm/v3/objects/deals/{dealId})
      const res = await fetch(`${hubspot?.sandbox.url ?? ''}/crm/v3/objects/deals/${id}`, {
        method: 'PATCH',
        headers: { authorization: 'Bearer rep-token', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { closedate: `${date}T12:00:00.000Z` } }),
      });
      expect(res.status).toBe(200);
    },
    shown: (date) => `${date}T12:00:00Z (outside the years 1900–2200)`,
  },
  {
    name: 'Salesforce',
    start: async () => {
      salesforce = await startSandbox({ crm: 'salesforce', seed: 4, partners: 8, deals: 120, anchor: ANCHOR });
      const sandbox = salesforce;
      const config = salesforceConfig();
      return { adapter: adapterFor(sandbox.url, config), config, stop: () => sandbox.stop() };
    },
    setCloseDate: async (id, date) => {
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve_patch.htm
      const url = salesforce?.url ?? '';
      // The Salesforce sandbox, like Salesforce, takes only tokens it issued.
      const res = await fetch(`${url}/services/data/v${VERSION}/sobjects/Opportunity/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await salesforceToken(url)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ CloseDate: date }),
      });
      expect(res.status).toBe(204);
    },
    // a date alone is local midnight in the program time zone (America/New_York: 04:56:02 or 05:00 UTC)
    shown: (date) => `${date}T`,
  },
];

describe.each(CRMS)('deal dates outside 1900–2200 on the $name sandbox', (crm) => {
  let store: KyselyStore;
  let adapter: CrmAdapter;
  let config: LoadedConfig;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ adapter, config, stop } = await crm.start());
    store = await openStore(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'ps-dates-')), 'store.db')}`);
  });
  afterAll(async () => {
    await adapter.close();
    await store.close();
    await stop();
  });

  const sync = (full: boolean): Promise<SyncResult> =>
    runSync({ crm: adapter, store, clock: systemClock, logger: silentLogger(), config }, { full });

  it('leaves such deals out as TIMESTAMP_INVALID, names the field and value, and syncs the rest', async () => {
    const first = await sync(true);
    expect(first.status).toBe('succeeded');
    const account = await adapter.accountKey();
    const won = (await store.loadCache(account)).deals.filter(
      (d) => d.stage === 'won' && !first.report.snapshot.rejected.some((r) => r.dealId === d.id),
    );
    expect(won.length).toBeGreaterThan(3);
    const [early, late] = won;
    if (early === undefined || late === undefined) throw new Error('no won deals');
    await crm.setCloseDate(early.id, '1850-06-01');
    await crm.setCloseDate(late.id, '2250-06-01');

    const second = await sync(false);
    expect(second.status).toBe('succeeded');
    const rejected = second.report.snapshot.rejected;
    expect(rejected).toContainEqual(expect.objectContaining({ dealId: early.id, reason: 'TIMESTAMP_INVALID' }));
    expect(rejected).toContainEqual(expect.objectContaining({ dealId: late.id, reason: 'TIMESTAMP_INVALID' }));
    // the rest goes on: nobody else is rejected for it, every other deal is still computed
    expect(rejected.length).toBe(first.report.snapshot.rejected.length + 2);
    expect(second.report.snapshot.deals).toBe(first.report.snapshot.deals);
    const warnings = second.report.snapshot.warnings;
    for (const [d, date] of [
      [early, '1850-06-01'],
      [late, '2250-06-01'],
    ] as const) {
      const line = warnings.find((w) => w.startsWith(`deal ${d.id} left out (TIMESTAMP_INVALID): closedAt "`));
      expect(line, warnings.join('\n')).toContain(crm.shown(date));
      expect(line).toContain('outside the years 1900–2200');
    }
    // nothing is booked in 1850 or 2250
    const posted = await store.ledgerEntries(account, {});
    expect(posted.filter((e) => e.period < '1900' || e.period > '2200')).toEqual([]);
  });
});

describe('dealDate', () => {
  it.each([
    ['1899-12-31T23:59:59Z', '1899-12-31T23:59:59Z (outside the years 1900–2200)'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00Z'],
    ['2200-12-31T23:59:59.999Z', '2200-12-31T23:59:59.999Z'],
    ['2201-01-01T00:00:00Z', '2201-01-01T00:00:00Z (outside the years 1900–2200)'],
    ['0026-03-01T05:00:00Z', '0026-03-01T05:00:00Z (outside the years 1900–2200)'],
    ['-000001-12-31T00:00:00Z', '-000001-12-31T00:00:00Z (outside the years 1900–2200)'],
    ['+010000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z (outside the years 1900–2200)'],
    ['next tuesday', 'next tuesday'],
  ])('%s → %s', (instant, expected) => {
    expect(dealDate(instant)).toBe(expected);
  });
  it('keeps an empty date empty', () => {
    expect(dealDate(null)).toBeNull();
  });
});
