// Issue 20 in headless Chromium: two finance identities (named tokens ana and ben) walk propose →
// approve → payout run → approve → mark paid. Neither sees an approve button for what they
// proposed or created themselves; the ledger reconciles afterwards.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { PROGRAM_YAML, seedCrm, testConfig, TestClock } from '../sync/helpers.ts';
import { CHROMIUM, HAVE_CHROMIUM, IN_CI, CHROMIUM_ARGS } from '../helpers/chromium.ts';

const ANA = 'finance-ana-browser-0123456789';
const BEN = 'finance-ben-browser-0123456789';

let service: Service;
let browser: Browser;

async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${service.url}/ui/login`);
  await page.getByLabel('API token').fill(token);
  await page.getByLabel('API token').press('Enter');
  await page.waitForURL(/\/ui$/);
  return page;
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('finance in the dashboard', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/chromium.sh installs Debian's chromium`);
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-finance-ui-'));
    const storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
    const config = testConfig(PROGRAM_YAML, { url: storeUrl });
    const fake = new FakeCrm({ account: 'acct-finance-ui', pageSize: 50 });
    seedCrm(fake);
    const clock = new TestClock('2026-03-20T12:00:00Z');
    const store = await openStore(storeUrl);
    await runSync({ crm: fake, store, clock, logger: silentLogger(), config });
    await store.close();
    service = await startService({
      config,
      env: readEnv({ PARTNERSYNC_TOKENS: `finance:ana:${ANA},finance:ben:${BEN}` }),
      logger: silentLogger(),
      cwd: dir,
      clock,
      port: 0,
      scheduler: false,
      crm: fake,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser.close();
    await service.stop();
  });

  it('propose → approve → payout run → approve → mark paid, by two people', async () => {
    const ana = await signIn(ANA);
    const ben = await signIn(BEN);

    // ana proposes a goodwill bonus for February (still open)
    await ana.getByRole('link', { name: 'Finance' }).click();
    await ana.getByLabel('Partner').selectOption('p1');
    await ana.getByLabel(/^Amount in USD/).fill('250.00');
    await ana.getByLabel('Month (YYYY-MM)').fill('2026-02');
    await ana.getByLabel('Reason (internal)').fill('outage credit, ticket 812');
    await ana.getByLabel('Description on the statement').fill('Goodwill bonus');
    await ana.getByRole('button', { name: 'Propose' }).click();
    await expect.poll(() => ana.locator('#finance-notice').textContent()).toContain('another finance user approves it');
    const row = ana.locator('#adjustments-table tr[data-status="proposed"]');
    expect(await row.textContent()).toContain('waiting for another finance user');
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const id = (await row.getAttribute('data-adjustment')) ?? '';

    // ben approves it
    await ben.goto(`${service.url}/ui/finance`);
    await ben.locator(`#approve-${id}`).click();
    await expect.poll(() => ben.locator('#finance-notice').textContent()).toContain('booked in 2026-02');

    // close February through the API, then ana creates a payout run
    const close = await fetch(`${service.url}/v1/periods/2026-02/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ANA}` },
    });
    expect(close.status).toBe(200);
    await ana.goto(`${service.url}/ui/finance`);
    await ana.getByLabel('Cut-off date (YYYY-MM-DD)').fill('2026-03-31');
    await ana.getByRole('button', { name: 'Create payout run' }).click();
    await ana.waitForURL(/\/ui\/finance\/payouts\/PR-20260331-01/);
    expect(await ana.locator('#finance-notice').textContent()).toContain('another finance user approves it');
    expect(await ana.locator('#approve-run').count()).toBe(0);
    const p1Row = ana.locator('#lines-table tr', { hasText: '(p1)' });
    expect(await p1Row.textContent()).toContain('1,250.00');
    const lineId = (await p1Row.getAttribute('data-line')) ?? '';

    // ben approves the run and marks p1's line paid
    await ben.goto(`${service.url}/ui/finance/payouts/PR-20260331-01`);
    await ben.locator('#approve-run').click();
    await expect.poll(() => ben.locator('#finance-notice').textContent()).toContain('Approved PR-20260331-01');
    await ben.getByLabel(`Reference for ${lineId}`).fill('BANK-2026-03-31');
    await ben.locator(`#paid-${lineId}`).click();
    await expect.poll(() => ben.locator('#finance-notice').textContent()).toContain(`${lineId} marked paid`);
    expect(await ben.locator(`#lines-table tr[data-line="${lineId}"]`).getAttribute('data-status')).toBe('paid');
    expect(await ben.locator(`#paid-${lineId}`).count()).toBe(0);

    // the runs list shows who did what; the ledger reconciles
    await ana.goto(`${service.url}/ui/finance`);
    const run = ana.locator('#runs-table tr[data-run="PR-20260331-01"]');
    expect(await run.textContent()).toMatch(/approved.*ana.*ben/s);
    const rec = (await (
      await fetch(`${service.url}/v1/reconcile`, { headers: { authorization: `Bearer ${BEN}` } })
    ).json()) as { ok: boolean };
    expect(rec.ok).toBe(true);
  });
});
