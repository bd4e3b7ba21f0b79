// Issue 21: the dashboard's partner list pages in headless Chromium (script disabled: links and
// the plain form only) through an account with more partners than a page holds: page links keep
// the sort and filters, every partner is on exactly one page, the order runs on across pages,
// a new sort starts at page 1, the page size can be chosen, and a bad parameter answers a 400
// page naming it and the fix. The figures are the API's (GET /v1/kpis).

import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerOut } from '../../src/domain/engine.ts';
import { partner, deal } from '../sync/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, IN_CI } from '../helpers/chromium.ts';
import { A11Y_CHECKS, CONTRAST_CHECK } from './page-checks.ts';
import { seedUiProgram, startUiService, TOKENS, type UiService } from './ui-service.ts';

/** Partners beyond the seeded program's 14: three pages of 100 and a bit. */
const EXTRA = 250;

let svc: UiService;
let browser: Browser;

async function signedIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${svc.url}/ui/login`);
  await page.getByLabel('API token').fill(TOKENS.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui$/);
  return page;
}

/** An attribute of every element the locator finds, in page order. */
async function attributes(page: Page, selector: string, name: string): Promise<string[]> {
  const found = page.locator(selector);
  const out: string[] = [];
  for (let i = 0; i < (await found.count()); i++) out.push((await found.nth(i).getAttribute(name)) ?? '');
  return out;
}

const rowIds = (page: Page): Promise<string[]> =>
  attributes(page, '#partners-table tbody tr[data-partner-id]', 'data-partner-id');
const values = (page: Page, col: string): Promise<string[]> =>
  attributes(page, `#partners-table tbody td[data-col="${col}"]`, 'data-value');

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('the partner list pages in headless Chromium', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/chromium.sh installs Debian's chromium`);
    svc = await startUiService({
      seed: (crm) => {
        seedUiProgram(crm);
        for (let i = 0; i < EXTRA; i++) {
          const id = `b${String(i).padStart(3, '0')}`;
          // names that tie and names whose order differs from their ids'
          crm.upsertPartner(
            partner(id, { name: i % 10 === 0 ? 'Bulk Twin' : `Bulk ${(i * 7) % EXTRA}`, recipe: 'referral' }),
          );
          if (i % 3 === 0)
            crm.upsertDeal(
              deal(`bd${i}`, {
                sourcePartnerId: id,
                amount: `${1000 + (i % 17) * 250}.00`,
                stage: 'won',
                createdAt: '2026-01-10T00:00:00Z',
                closedAt: '2026-02-10T00:00:00Z',
              }),
            );
        }
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser.close();
    await svc.stop();
  });

  it('pages by name with links that keep the sort; every partner once, in order', { timeout: 120_000 }, async () => {
    const page = await signedIn();
    const api = await svc.api<{ partners: PartnerOut[]; nextCursor: string | null }>(
      '/v1/kpis?limit=500',
      TOKENS.viewer,
    );
    // every partner on one page of the API (it pages at 500)
    expect(api.nextCursor).toBeNull();
    const total = api.partners.length;
    expect(total).toBe(14 + EXTRA);
    const pages = Math.ceil(total / 100);
    await page.goto(`${svc.url}/ui/partners?sort=name`);
    expect(await page.locator('#page-of').innerText()).toBe(`Page 1 of ${pages}`);
    expect(await page.locator('#result-count').innerText()).toContain(`${total} of ${total} partners`);
    expect(await page.locator('#result-count').innerText()).toContain('Showing 1–100.');
    // the page links pass the dashboard's accessibility and contrast checks
    expect(await page.evaluate<string[]>(A11Y_CHECKS)).toEqual([]);
    expect((await page.evaluate<{ failures: string[] }>(CONTRAST_CHECK)).failures).toEqual([]);
    const seen: string[] = [];
    const names: string[] = [];
    for (let n = 1; n <= pages; n++) {
      if (n > 1) {
        await page.getByRole('navigation', { name: 'Pages of partners' }).getByRole('link', { name: 'Next' }).click();
        await page.waitForURL(new RegExp(`sort=name.*page=${n}`));
        expect(await page.locator('#page-of').innerText()).toBe(`Page ${n} of ${pages}`);
      }
      const ids = await rowIds(page);
      expect(ids.length).toBe(n < pages ? 100 : total - 100 * (pages - 1));
      seen.push(...ids);
      names.push(
        ...(await page.locator('#partners-table tbody th[data-col="name"] a').allTextContents()).map((t) =>
          t.toLowerCase(),
        ),
      );
    }
    // every partner exactly once, names in order across pages, ties by id
    expect([...seen].sort()).toEqual(api.partners.map((p) => p.id).sort());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const twins = seen.filter((_, i) => names[i] === 'bulk twin');
    expect(twins).toEqual([...twins].sort());
    // no next page after the last; Previous and First go back
    expect(await page.locator('nav.pager a[rel="next"]').count()).toBe(0);
    await page.getByRole('link', { name: 'First' }).click();
    await page.waitForURL((u) => !u.search.includes('page='));
    expect(await rowIds(page)).toEqual(seen.slice(0, 100));
    await page.close();
  });

  it(
    'sorts by revenue from page 2 back to page 1, filters and chooses the page size',
    { timeout: 120_000 },
    async () => {
      const page = await signedIn();
      const api = await svc.api<{ partners: PartnerOut[]; nextCursor: string | null }>(
        '/v1/kpis?limit=500',
        TOKENS.viewer,
      );
      await page.goto(`${svc.url}/ui/partners?sort=name&page=2`);
      await page.locator('a[data-sort="attributed"]').click();
      await page.waitForURL(/sort=attributed&dir=desc/);
      expect(page.url()).not.toContain('page=');
      const cents = async (): Promise<bigint[]> =>
        (await values(page, 'attributed')).map((v) => BigInt(v.replace('.', '')));
      const first = await cents();
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/sort=attributed&dir=desc&page=2/);
      const second = await cents();
      const all = [...first, ...second];
      expect(all).toEqual([...all].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
      // the largest 200 amounts of the API, in order
      const expected = api.partners
        .map((p) => BigInt(p.kpis.attributedRevenue.replace('.', '')))
        .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
        .slice(0, 200);
      expect(all).toEqual(expected);

      // a filter through the form keeps the sort and starts at page 1, with its own page count
      await page.getByLabel('Name or id').fill('bulk 1');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/q=bulk/);
      expect(page.url()).toContain('sort=attributed');
      expect(page.url()).not.toContain('page=');
      const listed = await svc.api<{ partners: { id: string; name: string }[] }>(
        '/v1/partners?limit=500',
        TOKENS.viewer,
      );
      const matching = listed.partners.filter((p) => `${p.id} ${p.name}`.toLowerCase().includes('bulk 1')).length;
      expect(matching).toBeGreaterThan(0);
      expect(await page.locator('#result-count').innerText()).toContain(
        `${matching} of ${api.partners.length} partners`,
      );

      // 25 a page: the size stays in the page links
      await page.goto(`${svc.url}/ui/partners?sort=health&size=25`);
      expect((await rowIds(page)).length).toBe(25);
      expect(await page.locator('#page-of').innerText()).toBe(`Page 1 of ${Math.ceil(api.partners.length / 25)}`);
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/size=25/);
      expect(page.url()).toContain('page=2');
      expect((await rowIds(page)).length).toBe(25);

      // a bad page size: a 400 page naming the parameter and what it takes
      const bad = await page.goto(`${svc.url}/ui/partners?size=5000`);
      expect(bad?.status()).toBe(400);
      const text = await page.locator('main').innerText();
      expect(text).toContain('size parameter');
      expect(text).toContain('from 1 to 500');
      await page.close();
    },
  );
});
