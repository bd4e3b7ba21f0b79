// The partner's path in headless Chromium (issue 19), on the HubSpot and the Salesforce sandbox:
// an admin invites a partner contact → the sign-in e-mail reaches the test SMTP server → the
// contact opens the link and presses "Sign in" → registers a deal with the form → the deal is
// in the sandbox CRM with status submitted → a rep approves it in the sandbox → after the next
// sync the partner sees "approved" and has an e-mail.

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerService, type CrmName } from './harness.ts';
import { CHROMIUM, HAVE_CHROMIUM, IN_CI, CHROMIUM_ARGS } from '../helpers/chromium.ts';

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('a partner in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but Chromium is missing at ${CHROMIUM}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser.close();
  });

  it.each<CrmName>(['hubspot', 'salesforce'])(
    'invite → e-mail → sign in → register → submitted in the %s sandbox → rep approves → approved and e-mailed',
    async (crmName) => {
      const svc = await startPartnerService(crmName);
      const context = await browser.newContext();
      try {
        const partnerId = svc.partnerIds[0] ?? '';
        const email = `jo-${crmName}@partner.example`;
        await svc.invite(partnerId, email);
        const link = await svc.linkFor(email);
        const page = await context.newPage();
        await page.goto(link);
        expect(await page.title()).toContain('Sign in');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${svc.url}/partner`);
        expect(await page.locator('[data-user]').textContent()).toBe(email);

        await page.getByRole('link', { name: 'Register a deal' }).first().click();
        await page.waitForURL(`${svc.url}/partner/registrations/new`);
        await page.getByLabel('Customer company name').fill('Contoso <Browser> Ltd');
        await page.getByLabel('Customer web domain (e.g. acme.com)').fill(`contoso-${crmName}.example`);
        await page.getByLabel('Customer contact name').fill('Carla Buyer');
        await page.getByLabel('Customer contact e-mail').fill('carla@contoso.example');
        await page.getByLabel('Expected amount').fill('36000');
        await page.getByLabel('Currency').selectOption('EUR');
        await page
          .getByLabel('Expected close date')
          .fill(new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10));
        await page.getByLabel('Notes').fill('Met at the <b>expo</b>');
        await page.getByRole('button', { name: 'Register the deal' }).click();
        await page.waitForURL(/\/partner\/registrations\/[0-9a-f-]{36}$/);
        expect(await page.locator('[data-status]').textContent()).toBe('submitted');
        expect(await page.locator('[data-company]').textContent()).toBe(
          `Contoso <Browser> Ltd (contoso-${crmName}.example)`,
        );
        const registrationId = page.url().split('/').at(-1) ?? '';

        const stored = await svc.service.store.partners.registration(registrationId);
        const dealId = stored?.dealId ?? '';
        expect(dealId).not.toBe('');
        const [inCrm] = (await svc.adapter.registrations?.readRegistrations([dealId])) ?? [];
        expect(inCrm).toMatchObject({ partnerId, status: 'submitted' });

        await svc.decide(dealId, 'approved', 'Welcome aboard');
        await svc.sync();
        await page.reload();
        expect(await page.locator('[data-status]').textContent()).toBe('approved');
        expect(await page.locator('[data-reason]').textContent()).toBe('Welcome aboard');
        await page.getByRole('link', { name: 'Registrations' }).first().click();
        expect(await page.locator(`[data-registration="${registrationId}"] [data-status]`).textContent()).toBe(
          'approved',
        );
        let mail = svc.smtp.mails.find((m) => m.to.includes(email) && /approved/i.test(m.subject));
        for (let i = 0; i < 100 && mail === undefined; i++) {
          svc.service.dispatcher?.kick();
          await new Promise((r) => setTimeout(r, 50));
          mail = svc.smtp.mails.find((m) => m.to.includes(email) && /approved/i.test(m.subject));
        }
        expect(mail?.text).toContain('Reason: Welcome aboard');
      } finally {
        await context.close();
        await svc.stop();
      }
    },
  );
});
