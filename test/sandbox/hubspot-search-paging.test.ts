// Contract: search answers stay exact while the sandbox keeps a query's matches between pages and
// an index by modified date (src/sandbox/hubspot/search.ts, issue 21) — keyset pages across
// writes, records whose modified date moves, records written twice, search lag ending.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { ANCHOR, bearer, hubspotSandbox, type HubspotFixture } from './helpers.ts';

interface Found {
  id: string;
  properties: Record<string, string | null>;
  updatedAt: string;
}
interface SearchAnswer {
  total: number;
  results: Found[];
  paging?: { next: { after: string } };
}

const clock = manualClock(Date.parse(ANCHOR) + 86_400_000);
let fx: HubspotFixture;

async function search(body: unknown): Promise<SearchAnswer> {
  const res = await fetch(`${fx.sandbox.url}/crm/v3/objects/deals/search`, {
    method: 'POST',
    headers: bearer(),
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SearchAnswer;
}

async function update(inputs: { id: string; properties: Record<string, string> }[]): Promise<void> {
  const res = await fetch(`${fx.sandbox.url}/crm/v3/objects/deals/batch/update`, {
    method: 'POST',
    headers: bearer(),
    body: JSON.stringify({ inputs }),
  });
  expect(res.status).toBe(200);
}

/** Every live deal, read with the list endpoint (no search involved): the oracle. */
async function everyDeal(): Promise<Found[]> {
  const out: Found[] = [];
  let after: string | undefined;
  do {
    const res = await fetch(
      `${fx.sandbox.url}/crm/v3/objects/deals?limit=100&properties=amount${after === undefined ? '' : `&after=${after}`}`,
      { headers: bearer() },
    );
    const page = (await res.json()) as { results: Found[]; paging?: { next: { after: string } } };
    out.push(...page.results);
    after = page.paging?.next.after;
  } while (after !== undefined);
  return out;
}

const since = (iso: string) => ({ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: iso });

/** A keyset-paged search, as the HubSpot adapter pages: `hs_object_id > last` in the group. */
async function keysetPages(
  filter: Record<string, string>,
  between?: (page: number, lastId: string) => Promise<void>,
): Promise<{ ids: string[]; totals: number[]; amounts: Map<string, string | null> }> {
  const ids: string[] = [];
  const totals: number[] = [];
  const amounts = new Map<string, string | null>();
  let lastId: string | null = null;
  for (let page = 0; ; page++) {
    const filters: Record<string, string>[] = [filter];
    if (lastId !== null) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: lastId });
    const answer = await search({
      filterGroups: [{ filters }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: ['amount'],
      limit: 50,
    });
    totals.push(answer.total);
    for (const r of answer.results) {
      ids.push(r.id);
      amounts.set(r.id, r.properties['amount'] ?? null);
    }
    lastId = answer.results.at(-1)?.id ?? lastId;
    if (answer.paging === undefined || lastId === null) break;
    await between?.(page, lastId);
  }
  return { ids, totals, amounts };
}

beforeAll(async () => {
  fx = await hubspotSandbox({ clock, deals: 400, limits: 'off' });
});
afterAll(async () => {
  await fx.sandbox.stop();
});

describe('HubSpot sandbox: search pages stay exact', () => {
  it('keyset pages give every deal of the window once, in id order, with each total what is left', async () => {
    const all = await everyDeal();
    const { ids, totals } = await keysetPages(since('2000-01-01T00:00:00Z'));
    expect(ids).toEqual(all.map((d) => d.id));
    let left = all.length;
    for (const t of totals) {
      expect(t).toBe(left);
      left -= Math.min(50, left);
    }
  });

  it('a write between pages shows on the next page: new values, and deals moving into the window', async () => {
    clock.advance(60_000);
    const cut = new Date(clock.now()).toISOString();
    const all = await everyDeal();
    const first = all.slice(0, 60);
    const later = all.slice(-3);
    await update(first.slice(0, 30).map((d) => ({ id: d.id, properties: { amount: '11' } })));
    await update(first.slice(30).map((d) => ({ id: d.id, properties: { amount: '11' } })));
    const { ids, amounts, totals } = await keysetPages(since(cut), async (page) => {
      if (page !== 0) return;
      // after the first page, one deal still ahead is written again and three further on in id
      // order are written for the first time: they enter the window
      clock.advance(1000);
      await update([
        { id: first[55]?.id ?? '', properties: { amount: '12' } },
        ...later.map((d) => ({ id: d.id, properties: { amount: '4242' } })),
      ]);
    });
    expect(ids).toEqual([...first, ...later].map((d) => d.id));
    expect(totals).toEqual([60, 13]);
    expect(amounts.get(first[55]?.id ?? '')).toBe('12');
    for (const d of later) expect(amounts.get(d.id)).toBe('4242');
  });

  it('the modified-date window finds a deal written twice once, and a deal whose date moved out no more', async () => {
    clock.advance(60_000);
    const start = clock.now();
    const all = await everyDeal();
    const [a = '', b = '', c = ''] = [all[10], all[20], all[30]].map((d) => d?.id ?? '');
    await update([{ id: a, properties: { amount: '1' } }]);
    clock.advance(1000);
    await update([
      { id: a, properties: { amount: '2' } },
      { id: b, properties: { amount: '3' } },
    ]);
    clock.advance(1000);
    const middle = clock.now();
    await update([{ id: c, properties: { amount: '5' } }]);
    const fromStart = await search({
      filterGroups: [{ filters: [since(new Date(start).toISOString())] }],
      properties: ['amount'],
      limit: 100,
    });
    expect(fromStart.results.map((r) => [r.id, r.properties['amount']])).toEqual([
      [a, '2'],
      [b, '3'],
      [c, '5'],
    ]);
    expect(fromStart.total).toBe(3);
    const fromMiddle = await search({
      filterGroups: [{ filters: [since(new Date(middle).toISOString())] }],
      limit: 100,
    });
    expect(fromMiddle.results.map((r) => r.id)).toEqual([c]);
    // the same window through an OR of groups, one of them unbounded, is a scan: same answer
    const either = await search({
      filterGroups: [
        { filters: [since(new Date(middle).toISOString())] },
        { filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: a }] },
      ],
      limit: 100,
    });
    expect(either.results.map((r) => r.id)).toEqual([a, c].sort((x, y) => Number(x) - Number(y)));
  });

  it('a page asked again while search lags writes shows the old value until the lag ends', async () => {
    const lagging = await hubspotSandbox({ clock, deals: 30, searchLagMs: 5000, limits: 'off' });
    try {
      const deal = (
        (await (
          await fetch(`${lagging.sandbox.url}/crm/v3/objects/deals?limit=1&properties=amount`, { headers: bearer() })
        ).json()) as { results: Found[] }
      ).results[0];
      expect(deal).toBeDefined();
      const ask = async (): Promise<string | null | undefined> => {
        const res = await fetch(`${lagging.sandbox.url}/crm/v3/objects/deals/search`, {
          method: 'POST',
          headers: bearer(),
          body: JSON.stringify({
            filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: deal?.id }] }],
            properties: ['amount'],
          }),
        });
        return ((await res.json()) as SearchAnswer).results[0]?.properties['amount'];
      };
      const before = await ask();
      await fetch(`${lagging.sandbox.url}/crm/v3/objects/deals/${deal?.id ?? ''}`, {
        method: 'PATCH',
        headers: bearer(),
        body: JSON.stringify({ properties: { amount: '777' } }),
      });
      expect(await ask()).toBe(before);
      clock.advance(4000);
      expect(await ask()).toBe(before);
      clock.advance(1001);
      expect(await ask()).toBe('777');
    } finally {
      await lagging.sandbox.stop();
    }
  });
});
