// Partner users end to end over HTTP, on the HubSpot and the Salesforce sandbox (issue 19):
// invitation by e-mail, a sign-in link a mail scanner cannot burn, registration placed in the
// CRM once per form, a second partner's registration of the same customer on its own deal with
// REGISTRATION_CONFLICT raised, a rep's decision reaching the partner after the next sync,
// isolation between partners, field checks and the hourly limit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../src/crm/port.ts';
import { PartnerClient } from './client.ts';
import { startPartnerService, type CrmName, type PartnerService } from './harness.ts';

const inDays = (n: number): string => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

const form = (over: Record<string, string> = {}): Record<string, string> => ({
  company: 'Northwind <Traders> & Co',
  domain: 'https://www.northwind-test.example/',
  contactName: 'Nina "Buyer" Ortiz',
  contactEmail: 'Nina@northwind-test.example',
  amount: '48000',
  currency: 'USD',
  closeDate: inDays(60),
  notes: '=HYPERLINK("http://evil.example") <script>alert(1)</script>',
  ...over,
});

describe.each<CrmName>(['hubspot', 'salesforce'])('partner users on the %s sandbox', (crmName) => {
  let svc: PartnerService;
  let a: PartnerClient;
  let b: PartnerClient;
  let partnerA = '';
  let partnerB = '';
  const mailA = `ana-${crmName}@partner-a.example`;
  const mailB = `bo-${crmName}@partner-b.example`;
  let regA = '';
  let regB = '';

  const registrations = async (): Promise<
    { id: string; dealId: string | null; status: string; reason: string | null }[]
  > => {
    const res = await svc.service.store.partners.registrations(await svc.adapter.accountKey(), {});
    return res.map((r) => ({ id: r.id, dealId: r.dealId, status: r.status ?? r.state, reason: r.reason }));
  };

  beforeAll(async () => {
    svc = await startPartnerService(crmName);
    [partnerA = '', partnerB = ''] = svc.partnerIds;
    a = new PartnerClient(svc.url);
    b = new PartnerClient(svc.url);
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('invites by e-mail; opening the link burns nothing, pressing Sign in works once', async () => {
    await svc.invite(partnerA, mailA);
    const link = await svc.linkFor(mailA);
    expect(link.startsWith(svc.url)).toBe(true);
    // a mail scanner fetches the link twice: the page only shows a button
    const scan1 = await a.get(link.slice(svc.url.length));
    const scan2 = await a.get(link.slice(svc.url.length));
    expect(scan1.status).toBe(200);
    expect(scan2.text).toContain('data-signin');
    expect(a.cookie).toBe('');
    await a.signIn(link);
    expect(a.cookie).toContain('psync_partner=');
    const home = await a.get('/partner');
    expect(home.status).toBe(200);
    expect(home.text).toContain(mailA);
    // the link is used up
    const t = /t=([A-Za-z0-9_-]+)/.exec(link)?.[1] ?? '';
    const again = await new PartnerClient(svc.url).post('/partner/signin', { t });
    expect(again.status).toBe(400);
    expect(again.text).toContain('not valid any more');
    // no partner session opens the dashboard or the API, and no dashboard token opens the partner pages
    expect((await a.get('/ui')).status).toBe(303);
    expect((await a.get('/v1/partner-users')).status).toBe(401);
    const withToken = await fetch(`${svc.url}/partner/api/registrations`, {
      headers: { authorization: 'Bearer admin-token-0123456789abcdef' },
    });
    expect(withToken.status).toBe(401);
  });

  it('registers a deal once per form: the CRM holds it submitted, a repeat changes nothing', async () => {
    const tokens = await a.formTokens();
    const first = await a.post('/partner/registrations', { ...tokens, ...form() });
    expect(first.status, errorsOf(first.text)).toBe(303);
    const location = first.res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/partner\/registrations\/[0-9a-f-]{36}$/);
    regA = location.split('/').at(-1) ?? '';
    const repeat = await a.post('/partner/registrations', { ...tokens, ...form() });
    expect(repeat.status).toBe(303);
    expect(repeat.res.headers.get('location')).toBe(location);
    const mine = (await registrations()).filter((r) => r.id === regA);
    expect(mine).toHaveLength(1);
    const dealId = mine[0]?.dealId ?? '';
    const [state] = (await svc.adapter.registrations?.readRegistrations([dealId])) ?? [];
    expect(state).toMatchObject({ partnerId: partnerA, status: 'submitted' });
    const page = await a.get(location);
    expect(page.text).toContain('Northwind &lt;Traders&gt; &amp; Co');
    expect(page.text).not.toContain('<Traders>');
    expect(page.text).toContain('data-status>submitted');
  });

  it('a second partner registering the same customer gets its own deal; the first is untouched; the conflict is raised', async () => {
    await svc.invite(partnerB, mailB);
    await b.signIn(await svc.linkFor(mailB));
    const before = (await registrations()).find((r) => r.id === regA);
    const dealA = before?.dealId ?? '';
    const [stateA] = (await svc.adapter.registrations?.readRegistrations([dealA])) ?? [];
    const res = await b.post('/partner/registrations', {
      ...(await b.formTokens()),
      ...form({ company: 'Northwind', domain: 'northwind-test.example', amount: '51000.50' }),
    });
    expect(res.status, errorsOf(res.text)).toBe(303);
    regB = (res.res.headers.get('location') ?? '').split('/').at(-1) ?? '';
    const dealB = (await registrations()).find((r) => r.id === regB)?.dealId ?? '';
    expect(dealB).not.toBe('');
    expect(dealB).not.toBe(dealA);
    const [afterA] = (await svc.adapter.registrations?.readRegistrations([dealA])) ?? [];
    expect(afterA).toEqual(stateA);
    const page = await svc.adapter.pullRecords({ deals: [dealA, dealB], partners: [] });
    const customers = new Set(page.deals.map((d) => d.customerId));
    expect(customers.size, 'both deals on the one customer').toBe(1);
    await svc.sync(true);
    const open = await svc.service.store.openEpisodes(await svc.adapter.accountKey());
    const conflicts = open.filter((e) => e.code === 'REGISTRATION_CONFLICT');
    expect(conflicts.map((e) => e.dealId).sort()).toEqual([dealA, dealB].sort());
    expect(conflicts.find((e) => e.dealId === dealB)?.partnerId).toBe(partnerB);
  });

  it('a rep approves in the CRM: after the next sync the partner sees approved with the reason, and is e-mailed', async () => {
    const dealA = (await registrations()).find((r) => r.id === regA)?.dealId ?? '';
    await svc.decide(dealA, 'approved', 'First to register <b>this</b> customer');
    await svc.sync(true);
    const page = await a.get(`/partner/registrations/${regA}`);
    expect(page.text).toContain('data-status>approved');
    expect(page.text).toContain('First to register &lt;b&gt;this&lt;/b&gt; customer');
    const api = JSON.parse((await a.get(`/partner/api/registrations/${regA}`)).text) as Record<string, unknown>;
    expect(api).toMatchObject({ id: regA, status: 'approved', reason: 'First to register <b>this</b> customer' });
    const mail = await waitForMail(svc, mailA, /approved/i);
    expect(mail.text).toContain('Reason: First to register <b>this</b> customer');
    // a second sync announces nothing new
    const count = svc.smtp.mails.filter((m) => m.to.includes(mailA)).length;
    await svc.sync();
    await new Promise((r) => setTimeout(r, 300));
    expect(svc.smtp.mails.filter((m) => m.to.includes(mailA))).toHaveLength(count);
  });

  it("isolation: every partner page and API route with the other partner's ids answers 404, never 500, never its data", async () => {
    const dealsOf = async (c: PartnerClient): Promise<string[]> => {
      const r = await c.get('/partner/api/deals');
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as { deals: { id: string }[] }).deals.map((d) => d.id);
    };
    const dealsA = await dealsOf(a);
    const dealsB = await dealsOf(b);
    const onlyB = dealsB.filter((d) => !dealsA.includes(d));
    const onlyA = dealsA.filter((d) => !dealsB.includes(d));
    expect(onlyB.length).toBeGreaterThan(0);
    expect(onlyA.length).toBeGreaterThan(0);
    const cases: [PartnerClient, string, string[], string][] = [
      [a, regB, onlyB, partnerB],
      [b, regA, onlyA, partnerA],
    ];
    for (const [client, otherReg, otherDeals, otherPartner] of cases) {
      for (const path of [
        `/partner/registrations/${otherReg}`,
        `/partner/api/registrations/${otherReg}`,
        ...otherDeals
          .slice(0, 3)
          .flatMap((d) => [`/partner/deals/${encodeURIComponent(d)}`, `/partner/api/deals/${encodeURIComponent(d)}`]),
        '/partner/registrations/not-a-uuid',
        '/partner/api/deals/%00',
      ]) {
        const r = await client.get(path);
        expect(r.status, path).toBe(404);
      }
      for (const path of [
        '/partner',
        '/partner/registrations',
        '/partner/deals',
        '/partner/statement',
        `/partner/statement?partnerId=${otherPartner}`,
        `/partner/statement.csv?partnerId=${otherPartner}`,
        '/partner/api/me',
        '/partner/api/registrations',
        '/partner/api/deals',
        `/partner/api/statement?partnerId=${otherPartner}`,
        '/partner/api/statement?period=garbage',
      ]) {
        const r = await client.get(path);
        expect(r.status, path).toBeLessThan(500);
        expect(r.text, path).not.toContain(otherReg);
        for (const d of otherDeals)
          expect(r.text.includes(`"${d}"`) || r.text.includes(`/deals/${d}"`), `${path} shows ${d}`).toBe(false);
        if (r.status === 200 && path.includes('statement'))
          expect(r.text.includes(otherPartner) && !r.text.includes(client === a ? partnerA : partnerB), path).toBe(
            false,
          );
      }
    }
  });

  it('checks every field with the reason on the form, and limits registrations per user per hour', async () => {
    const tokens = await a.formTokens();
    const bad = await a.post('/partner/registrations', {
      ...tokens,
      ...form({ domain: 'not a domain', contactEmail: 'nope', amount: '-3', currency: 'XXX', closeDate: '2001-01-01' }),
    });
    expect(bad.status).toBe(400);
    for (const f of ['domain', 'contactEmail', 'amount', 'currency', 'closeDate'])
      expect(bad.text, f).toContain(`data-error-for="${f}"`);
    // the values come back escaped
    expect(bad.text).toContain('Northwind &lt;Traders&gt; &amp; Co');
    const forged = await a.post('/partner/registrations', { ...tokens, ...form(), _csrf: 'forged' });
    expect(forged.status).toBe(403);
    // perUserPerHour is 5 in the harness: 1 registered so far (the repeat reused it)
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await a.post('/partner/registrations', {
        ...(await a.formTokens()),
        ...form({ domain: `limit-${i}-${crmName}.example`, company: `Limit ${i}` }),
      });
      statuses.push(r.status);
      if (r.status === 429) expect(r.text).toContain('the limit is 5');
    }
    expect(statuses).toEqual([303, 303, 303, 303, 429]);
  });

  it('an admin rejects a registration in the dashboard: the CRM holds it, and after the sync the partner sees the reason and is e-mailed', async () => {
    const admin = new PartnerClient(svc.url);
    const login = await admin.get('/ui/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] ?? '';
    const signed = await admin.post('/ui/login', { _csrf: csrf, token: 'admin-token-0123456789abcdef', next: '/ui' });
    expect(signed.status).toBe(303);
    const page = await admin.get('/ui/registrations');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-registration="${regB}"`);
    expect(page.text).toContain('Northwind');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const forged = await admin.post(`/ui/registrations/${regB}/decide`, {
      _csrf: 'nope',
      decision: 'rejected',
      reason: 'x',
    });
    expect(forged.status).toBe(403);
    const noReason = await admin.post(`/ui/registrations/${regB}/decide`, {
      _csrf: token,
      decision: 'rejected',
      reason: ' ',
    });
    expect(noReason.status).toBe(400);
    const decided = await admin.post(`/ui/registrations/${regB}/decide`, {
      _csrf: token,
      decision: 'rejected',
      reason: 'Partner A registered <this> customer first',
    });
    expect(decided.status).toBe(303);
    const dealB = (await registrations()).find((r) => r.id === regB)?.dealId ?? '';
    const [state] = (await svc.adapter.registrations?.readRegistrations([dealB])) ?? [];
    expect(state).toMatchObject({ status: 'rejected', reason: 'Partner A registered <this> customer first' });
    await svc.sync(true);
    const mine = await b.get(`/partner/registrations/${regB}`);
    expect(mine.text).toContain('data-status>rejected');
    expect(mine.text).toContain('Partner A registered &lt;this&gt; customer first');
    const mail = await waitForMail(svc, mailB, /rejected/i);
    expect(mail.text).toContain('Reason: Partner A registered <this> customer first');
    // the dashboard's partner-user page lists both users; viewers and partners cannot reach it
    const users = await admin.get('/ui/partner-users');
    expect(users.text).toContain(mailA);
    expect((await b.get('/ui/partner-users')).status).toBe(303);
  });

  it('revoking a user ends its session at once and deletes the address', async () => {
    const users = (await (
      await fetch(`${svc.url}/v1/partner-users`, { headers: { authorization: 'Bearer admin-token-0123456789abcdef' } })
    ).json()) as { users: { id: string; email: string | null }[] };
    const user = users.users.find((u) => u.email === mailB);
    expect(user).toBeDefined();
    const res = await fetch(`${svc.url}/v1/partner-users/${user?.id ?? ''}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer admin-token-0123456789abcdef' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { email: string | null; status: string } }).user).toMatchObject({
      email: null,
      status: 'revoked',
    });
    expect((await b.get('/partner')).status).toBe(401);
    expect((await b.get('/partner/api/me')).status).toBe(401);
  });
});

async function waitForMail(
  svc: PartnerService,
  to: string,
  subject: RegExp,
): Promise<{ subject: string; text: string }> {
  for (let i = 0; i < 200; i++) {
    const mail = svc.smtp.mails.find((m) => m.to.includes(to) && subject.test(m.subject));
    if (mail !== undefined) return mail;
    svc.service.dispatcher?.kick();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no mail to ${to} matching ${String(subject)}; got ${JSON.stringify(svc.smtp.mails.map((m) => [m.to, m.subject]))}`,
  );
}

/** The form's error messages, for assertion messages. */
function errorsOf(page: string): string {
  const fields = [...page.matchAll(/data-error-for="(\w+)">([^<]*)/g)].map((m) => `${m[1] ?? ''}: ${m[2] ?? ''}`);
  const form = [...page.matchAll(/data-form-error>([^<]*)/g)].map((m) => m[1] ?? '');
  return [...fields, ...form].join(' | ') || page.slice(0, 300);
}

describe.each<CrmName>(['hubspot', 'salesforce'])('a registration the %s sandbox refuses', (crmName) => {
  let svc: PartnerService;

  beforeAll(async () => {
    // a stage the CRM does not know: every new deal is refused by the CRM's own validation
    svc = await startPartnerService(crmName, { newDeal: { stage: 'no-such-stage' } });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it("shows the CRM's message on the form and keeps the registration as refused", async () => {
    const email = `rita-${crmName}@partner.example`;
    await svc.invite(svc.partnerIds[0] ?? '', email);
    const client = new PartnerClient(svc.url);
    await client.signIn(await svc.linkFor(email));
    const tokens = await client.formTokens();
    const res = await client.post('/partner/registrations', {
      ...tokens,
      ...form({ domain: `refused-${crmName}.example` }),
    });
    expect(res.status).toBe(422);
    const message = /data-form-error>([^<]*)/.exec(res.text)?.[1] ?? '';
    expect(message).toMatch(/^The CRM refused this registration: \S/);
    expect(message).not.toMatch(/answered 400|HTTP 400/);
    // the form comes back with the values and a fresh key (the corrected form is a new registration)
    expect(res.text).toContain('Northwind &lt;Traders&gt; &amp; Co');
    expect(/name="idem" value="([^"]+)"/.exec(res.text)?.[1]).not.toBe(tokens['idem']);
    const list = await client.get('/partner/registrations');
    expect(list.text).toContain('refused by the CRM');
  });
});

describe.each<CrmName>(['hubspot', 'salesforce'])('where a registration lands on the %s sandbox', (crmName) => {
  let svc: PartnerService;
  let client: PartnerClient;

  beforeAll(async () => {
    svc = await startPartnerService(crmName);
    const email = `lee-${crmName}@partner.example`;
    await svc.invite(svc.partnerIds[2] ?? '', email);
    client = new PartnerClient(svc.url);
    await client.signIn(await svc.linkFor(email));
  });
  afterAll(async () => {
    await svc.stop();
  });

  it("on the customer's one open deal without a registration, when there is exactly one", async () => {
    const domain = `existing-${crmName}.example`;
    const repDeal = await svc.repCustomerWithDeal(domain);
    const res = await client.post('/partner/registrations', {
      ...(await client.formTokens()),
      ...form({ domain: `http://${domain}`, company: 'Existing Customer' }),
    });
    expect(res.status, errorsOf(res.text)).toBe(303);
    const id = (res.res.headers.get('location') ?? '').split('/').at(-1) ?? '';
    const stored = await svc.service.store.partners.registration(id);
    expect(stored).toMatchObject({ dealId: repDeal, placement: 'existing', state: 'done' });
    const [state] = (await svc.adapter.registrations?.readRegistrations([repDeal])) ?? [];
    expect(state).toMatchObject({ partnerId: svc.partnerIds[2], status: 'submitted' });
  });

  it('a CRM failure after the deal was created: the same form sent again finishes it without a second deal', async () => {
    const reg = svc.adapter.registrations;
    if (reg === undefined) throw new Error('no registrations');
    const original = reg.createDeal.bind(reg);
    // the create reaches the CRM, its answer is lost on the way back
    reg.createDeal = async (input) => {
      await original(input);
      reg.createDeal = original;
      throw new CrmError({ provider: crmName, kind: 'unavailable', message: 'connection reset after the create' });
    };
    const tokens = await client.formTokens();
    const domain = `lost-answer-${crmName}.example`;
    const first = await client.post('/partner/registrations', { ...tokens, ...form({ domain }) });
    expect(first.status).toBe(503);
    expect(/name="idem" value="([^"]+)"/.exec(first.text)?.[1]).toBe(tokens['idem']);
    const second = await client.post('/partner/registrations', { ...tokens, ...form({ domain }) });
    expect(second.status, errorsOf(second.text)).toBe(303);
    const id = (second.res.headers.get('location') ?? '').split('/').at(-1) ?? '';
    const stored = await svc.service.store.partners.registration(id);
    const customer = stored?.customerId ?? '';
    const open = await reg.openDealsOfCustomer(customer);
    expect(open.map((d) => d.dealId)).toEqual([stored?.dealId]);
  });

  it('a partner that stops being one in the CRM: its users are disabled at the next sync', async () => {
    const partnerId = svc.partnerIds[2] ?? '';
    expect((await client.get('/partner')).status).toBe(200);
    await svc.demotePartner(partnerId);
    await svc.sync(true);
    expect((await client.get('/partner')).status).toBe(401);
    expect((await client.get('/partner/api/deals')).status).toBe(401);
    const users = await svc.service.store.partners.listPartnerUsers(await svc.adapter.accountKey());
    expect(users.filter((u) => u.partnerId === partnerId).map((u) => u.status)).toEqual(['disabled']);
  });
});
