// The dashboard's small parts: escaping, CRM record links per provider, number formatting,
// table sorting, chart axes.

import { describe, expect, it } from 'vitest';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import { computeResult } from '../../src/domain/engine.ts';
import { parsePeriod } from '../../src/domain/time.ts';
import type { CachedRecords, RunRecord } from '../../src/store/store.ts';
import { HistoryCache } from '../../src/http/ui/history.ts';
import { deal, partner, testConfig } from '../sync/helpers.ts';
import { niceBounds } from '../../src/http/ui/charts.ts';
import { crmLinker } from '../../src/http/ui/crm-links.ts';
import type { PartnerRow } from '../../src/http/ui/data.ts';
import { groupDecimal, percent, roiText } from '../../src/http/ui/format.ts';
import { escapeHtml, html, queryString, raw } from '../../src/http/ui/html.ts';
import { sortRows } from '../../src/http/ui/pages/partners.ts';

const config = (crm: Record<string, unknown>): LoadedConfig => ({
  file: 'test.yaml',
  ...parseConfigText(JSON.stringify({ program: { currency: 'USD' }, crm }), 'test.yaml'),
});

describe('html', () => {
  it('escapes interpolated text, attributes included, and keeps markup built by html', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    const out = html`<a title="${name}">${name}</a>${html`<b>${'<i>'}</b>`}${['<', raw('<br>')]}${null}${undefined}${false}${0}`;
    expect(out.text).toBe(
      '<a title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</a><b>&lt;i&gt;</b>&lt;<br>0',
    );
    expect(escapeHtml('`')).toBe('&#96;');
  });

  it('builds query strings with encoded values and without empty ones', () => {
    expect(queryString({ period: '2026-Q1', q: 'a&b c', band: undefined, tier: '' })).toBe(
      '?period=2026-Q1&q=a%26b%20c',
    );
    expect(queryString({})).toBe('');
  });
});

describe('CRM record links', () => {
  it('HubSpot: company and deal record pages of the portal from the config, else from the account key', () => {
    const withPortal = crmLinker(config({ provider: 'hubspot', hubspot: { portalId: '123456' } }), 'hubspot:999');
    expect(withPortal.partner('1001')).toBe('https://app.hubspot.com/contacts/123456/record/0-2/1001');
    expect(withPortal.deal('5001')).toBe('https://app.hubspot.com/contacts/123456/record/0-3/5001');
    const fromAccount = crmLinker(config({ provider: 'hubspot' }), 'hubspot:777');
    expect(fromAccount.partner('42')).toBe('https://app.hubspot.com/contacts/777/record/0-2/42');
    expect(crmLinker(config({ provider: 'hubspot' }), 'some-account').label).toBeNull();
  });

  it("HubSpot and Salesforce: no link for an id that does not have the provider's shape", () => {
    const hs = crmLinker(config({ provider: 'hubspot', hubspot: { portalId: '1' } }), 'x');
    expect(hs.partner('12"><script>')).toBeNull();
    expect(hs.deal('../../evil')).toBeNull();
    const sf = crmLinker(
      config({ provider: 'salesforce', salesforce: { instanceUrl: 'https://acme.my.salesforce.com' } }),
      '00D',
    );
    expect(sf.partner('001000000000001AAA')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Account/001000000000001AAA/view',
    );
    expect(sf.deal('006000000000001')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Opportunity/006000000000001/view',
    );
    expect(sf.partner('001/../../x')).toBeNull();
  });

  it('Salesforce: the instance from instanceUrl or a My Domain login URL, never login.salesforce.com', () => {
    expect(
      crmLinker(
        config({ provider: 'salesforce', salesforce: { loginUrl: 'https://acme.my.salesforce.com' } }),
        'org',
      ).partner('001000000000001'),
    ).toBe('https://acme.my.salesforce.com/lightning/r/Account/001000000000001/view');
    expect(crmLinker(config({ provider: 'salesforce' }), 'org').label).toBeNull();
    expect(
      crmLinker(config({ provider: 'salesforce', salesforce: { loginUrl: 'https://test.salesforce.com' } }), 'org')
        .label,
    ).toBeNull();
  });

  it('sandbox providers have no record pages: no links', () => {
    for (const provider of ['sandbox-hubspot', 'sandbox-salesforce']) {
      const l = crmLinker(config({ provider }), 'hubspot:123');
      expect(l.label).toBeNull();
      expect(l.partner('1')).toBeNull();
    }
  });
});

describe('formatting', () => {
  it('groups decimals exactly, without floating point', () => {
    expect(groupDecimal('1234567.50')).toBe('1,234,567.50');
    expect(groupDecimal('-1000')).toBe('-1,000');
    expect(groupDecimal('999.99')).toBe('999.99');
    expect(groupDecimal('90071992547409931234.01')).toBe('90,071,992,547,409,931,234.01');
    expect(groupDecimal('n/a')).toBe('n/a');
  });

  it('shows ratios as percentages and ROI with its sign', () => {
    expect(percent(0.4567)).toBe('45.67 %');
    expect(percent(1)).toBe('100 %');
    expect(percent(null)).toBe('—');
    expect(roiText(-0.125)).toBe('−12.5 %');
    expect(roiText(2.5)).toBe('250 %');
  });
});

describe('partner table sorting', () => {
  const row = (id: string, name: string, score: number | null, attributed: string): PartnerRow => ({
    id,
    name,
    recipe: null,
    grantedTier: null,
    tier: null,
    tierRank: null,
    fit: null,
    score,
    band: null,
    attributed,
    attributed365: '0.00',
    pipeline: '0.00',
    winRate365: null,
    lastActivityAt: null,
    openAlerts: 0,
    worstSeverity: null,
  });
  const rows = [
    row('a', 'Beta', 70, '10.00'),
    row('b', 'alpha', null, '900.00'),
    row('c', 'Gamma', 40, '1000.00'),
    row('d', 'Delta', 70, '-5.00'),
  ];

  it('sorts both ways with partners lacking a value last, ties by name', () => {
    expect(sortRows(rows, 'health', 'asc').map((r) => r.id)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortRows(rows, 'health', 'desc').map((r) => r.id)).toEqual(['a', 'd', 'c', 'b']);
    expect(sortRows(rows, 'name', 'asc').map((r) => r.id)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('sorts amounts as exact numbers, not as text', () => {
    expect(sortRows(rows, 'attributed', 'desc').map((r) => r.attributed)).toEqual([
      '1000.00',
      '900.00',
      '10.00',
      '-5.00',
    ]);
  });
});

describe('chart axes', () => {
  it('round the axis out to 1, 2 or 5 × 10^n and include zero', () => {
    expect(niceBounds([0, 173_000])).toEqual({ min: 0, max: 200_000, step: 50_000 });
    expect(niceBounds([-300, 900])).toEqual({ min: -500, max: 1000, step: 500 });
    expect(niceBounds([])).toEqual({ min: 0, max: 1, step: 1 });
  });
});

describe('the KPI history cache', () => {
  const config = testConfig();
  const records: CachedRecords = {
    partners: [partner('p1'), partner('p2')],
    deals: [
      deal('d1', { closedAt: '2026-01-10T00:00:00Z' }),
      deal('d2', { sourcePartnerId: 'p2', closedAt: '2026-03-02T00:00:00Z', amount: '2500.00' }),
    ],
  };
  const run = (id: string): RunRecord => ({
    id,
    account: 'a',
    mode: 'full',
    status: 'succeeded',
    startedAt: 1,
    finishedAt: 2,
    asOf: 1,
    report: {},
  });
  const asOf = Date.parse('2026-03-20T12:00:00Z');
  const lastMonth = 2026 * 12 + 2;

  it('computes 12 months, each what the engine gives for that month', async () => {
    const cache = new HistoryCache();
    const h = await cache.get({
      store: { listRuns: () => Promise.resolve([run('r1')]), loadCache: () => Promise.resolve(records) },
      config,
      account: 'a',
      lastMonth,
      asOf,
    });
    expect(h.months.map((m) => m.label)).toEqual([
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
      '2025-08',
      '2025-09',
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
    for (const m of h.months) {
      const { result } = computeResult(config.program, records, { asOf, period: parsePeriod(m.label) ?? undefined });
      expect(m.program).toEqual(result.program);
      expect(m.partners.get('p2')?.attributedRevenue).toBe(
        result.partners.find((p) => p.id === 'p2')?.kpis.attributedRevenue,
      );
    }
    expect(h.months[9]?.program.attributedRevenue).toBe('10000.00');
    expect(h.months[11]?.partners.get('p2')?.attributedRevenue).toBe('2500.00');
  });

  it('computes once per sync run and hour, sharing one computation between concurrent requests', async () => {
    const cache = new HistoryCache();
    let runs = [run('r1')];
    let loads = 0;
    const store = {
      listRuns: () => Promise.resolve(runs),
      loadCache: () => {
        loads++;
        return Promise.resolve(records);
      },
    };
    const ask = (at = asOf) => cache.get({ store, config, account: 'a', lastMonth, asOf: at });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a).toBe(b);
    await ask(asOf + 60_000);
    expect(cache.computations).toBe(12);
    expect(loads).toBe(1);
    runs = [run('r2')]; // a new sync: the snapshot may have changed
    await ask();
    expect(cache.computations).toBe(24);
    await ask(asOf + 3_600_000); // an hour later: time alone may change a month's figures
    expect(cache.computations).toBe(36);
    expect(loads).toBe(3);
  });
});
