// The finance API of issue 20 over a running service: roles, four eyes between two named finance
// tokens, payee details sealed, payout files (generic and Wise), the signed payout.approved
// webhook and the PDF statement e-mailed to the partner's contacts, settlement by confirmation
// CSV, reconcile, and every action in the audit log.

import { createDecipheriv } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { Secrets } from '../../src/config/secrets.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { HttpReceiver, SmtpReceiver } from '../notify/receivers.ts';
import { PROGRAM_YAML, seedCrm, testConfig, TestClock } from '../sync/helpers.ts';

const ANA = 'finance-ana-0123456789abcdef';
const BEN = 'finance-ben-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';
const KEY_HEX = 'a1'.repeat(32);
const HOOK_SECRET = 'whsec-finance-0123456789';
const IBAN = 'DE89370400440532013000';

let smtp: SmtpReceiver;
let http: HttpReceiver;
let service: Service;
let clock: TestClock;
let storeUrl: string;

const call = (method: string, p: string, token: string, body?: unknown, type = 'application/json'): Promise<Response> =>
  fetch(`${service.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const json = async (r: Response): Promise<Record<string, unknown>> => (await r.json()) as Record<string, unknown>;

beforeAll(async () => {
  smtp = await new SmtpReceiver().start();
  http = await new HttpReceiver().start();
  http.secrets.set('/hooks/payouts', HOOK_SECRET);
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-finance-'));
  storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
  const yaml = `${PROGRAM_YAML}
notifications:
  partnerContacts: { where: { role: billing } }
  channels:
    mail: { type: email, from: "partnersync <ps@example.test>", smtp: { host: 127.0.0.1, port: ${smtp.port} } }
    payouts: { type: webhook, url: "${http.url}/hooks/payouts", secretEnv: PAYOUT_HOOK_SECRET }
  routes:
    - { events: [payout.approved], channel: payouts }
finance:
  payouts: { minimum: "10.00", holdPartners: [p2] }
  payees: { keyEnv: PARTNERSYNC_PAYEE_KEY }
  statements: { emailOnPayoutApproval: true, channel: mail }
`;
  const config = testConfig(yaml, { url: storeUrl });
  const fake = new FakeCrm({ account: 'acct-finance', pageSize: 50 });
  seedCrm(fake);
  fake.contacts.push({
    id: 'c1',
    partnerId: 'p1',
    email: 'billing@p1.example',
    name: 'P1 Billing',
    properties: { role: 'billing' },
  });
  clock = new TestClock('2026-03-20T12:00:00Z');
  const store = await openStore(storeUrl);
  await runSync({ crm: fake, store, clock, logger: silentLogger(), config });
  await store.close();
  const rawEnv = {
    PARTNERSYNC_TOKENS: `finance:ana:${ANA},finance:ben:${BEN},viewer:${VIEWER}`,
    PARTNERSYNC_PAYEE_KEY: KEY_HEX,
    PAYOUT_HOOK_SECRET: HOOK_SECRET,
  };
  service = await startService({
    config,
    env: readEnv(rawEnv),
    secrets: Secrets.fromEnv(config.config, rawEnv),
    logger: silentLogger(),
    cwd: dir,
    clock,
    port: 0,
    scheduler: false,
    crm: fake,
    dispatchIntervalMs: 3_600_000,
  });
});

afterAll(async () => {
  await service.stop();
  await smtp.stop();
  await http.stop();
});

describe('finance API', () => {
  it('propose → approve by another → payout run → approve by another → files, webhook, PDF e-mail → mark paid → reconcile', async () => {
    expect((await call('POST', '/v1/periods/2026-02/close', ANA)).status).toBe(200);

    const proposal = {
      partnerId: 'p1',
      amount: '250.00',
      reason: 'ticket 812',
      description: 'Goodwill bonus',
      period: '2026-02',
    };
    expect((await call('POST', '/v1/adjustments', VIEWER, proposal)).status).toBe(403);
    const bad = await call('POST', '/v1/adjustments', ANA, { ...proposal, amount: 250 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('body.amount');
    const created = await call('POST', '/v1/adjustments', ANA, proposal);
    expect(created.status).toBe(201);
    const adj = await json(created);
    expect(adj).toMatchObject({ status: 'proposed', proposedBy: 'ana', amount: '250.00' });
    const self = await call('POST', `/v1/adjustments/${String(adj['id'])}/approve`, ANA);
    expect(self.status).toBe(400);
    expect(JSON.stringify(await self.json())).toContain('four eyes');
    const approved = await call('POST', `/v1/adjustments/${String(adj['id'])}/approve`, BEN);
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({
      adjustment: { status: 'approved', decidedBy: 'ben', bookedPeriod: '2026-03' },
    });

    clock.set('2026-04-02T00:00:00Z');
    expect((await call('POST', '/v1/periods/2026-03/close', ANA)).status).toBe(200);

    // payee details: validated, sealed, shown masked
    const badIban = await call('PUT', '/v1/payees/p1', ANA, {
      accountHolder: 'P1 GmbH',
      currency: 'EUR',
      iban: 'DE00123',
      email: 'pay@p1.example',
    });
    expect(badIban.status).toBe(400);
    expect(JSON.stringify(await badIban.json())).toContain('iban');
    const put = await call('PUT', '/v1/payees/p1', ANA, {
      accountHolder: 'P1 GmbH',
      currency: 'EUR',
      iban: IBAN,
      email: 'pay@p1.example',
    });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ payee: { account: '…3000', currency: 'EUR' } });
    const reader = await openStore(storeUrl);
    const sealedRows = await reader.db.selectFrom('payees').selectAll().execute();
    await reader.close();
    expect(JSON.stringify(sealedRows)).not.toContain(IBAN);
    // the sealed text opens with the key (AES-256-GCM), and only with it
    const raw = Buffer.from(sealedRows[0]?.sealed.slice(3) ?? '', 'base64');
    const d = createDecipheriv('aes-256-gcm', Buffer.from(KEY_HEX, 'hex'), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    expect(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString()).toContain(IBAN);

    const runRes = await call('POST', '/v1/payouts', ANA, { cutoff: '2026-04-30' });
    expect(runRes.status).toBe(201);
    const created2 = await json(runRes);
    const run = created2['run'] as { id: string; lines: { id: string; partnerId: string; amount: string }[] };
    expect(created2['waiting']).toEqual(
      expect.arrayContaining([expect.objectContaining({ partnerId: 'p2', reason: 'held_partner' })]),
    );
    expect(run.lines.map((l) => l.partnerId)).toEqual(['p1', 'p3']);
    expect((await call('GET', `/v1/payouts/${run.id}?format=wise`, ANA)).status).toBe(400);
    expect((await call('POST', `/v1/payouts/${run.id}/approve`, ANA)).status).toBe(400);
    expect((await call('POST', `/v1/payouts/${run.id}/approve`, BEN)).status).toBe(200);

    // the generic file; the Wise file needs every paid partner's details
    const generic = await (await call('GET', `/v1/payouts/${run.id}?format=csv`, ANA)).text();
    expect(generic.split('\r\n')[0]).toBe(
      'runId,lineId,cutoff,partnerId,partnerName,amount,currency,status,reference,entries',
    );
    expect(generic).not.toContain(IBAN);
    const missing = await call('GET', `/v1/payouts/${run.id}?format=wise`, ANA);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain('no payee details for p3');
    await call('PUT', '/v1/payees/p3', BEN, {
      accountHolder: 'P3 Ltd',
      currency: 'GBP',
      accountNumber: '31926819',
      email: 'pay@p3.example',
    });
    const wise = await (await call('GET', `/v1/payouts/${run.id}?format=wise`, ANA)).text();
    const p1Line = run.lines.find((l) => l.partnerId === 'p1');
    expect(wise).toContain(
      `P1 GmbH,pay@p1.example,${p1Line?.id ?? ''},BUSINESS,source,${p1Line?.amount ?? ''},USD,EUR,${IBAN},`,
    );
    expect(wise).toContain('P3 Ltd,pay@p3.example');

    // the approval's webhook (signed) and the paid partner's PDF statement by e-mail
    await service.dispatcher?.dispatchOnce();
    await service.dispatcher?.dispatchOnce();
    const hook = http.posts.find((p) => p.path === '/hooks/payouts');
    expect(hook?.verified).toBe(true);
    expect(hook?.json).toMatchObject({
      type: 'payout.approved',
      data: { payoutRunId: run.id, total: expect.any(String) as string },
    });
    expect(hook?.body).not.toContain(IBAN);
    const mails = smtp.mails.filter((m) => m.to.includes('billing@p1.example'));
    // one per month the line pays (p1 earned in February and March), each with its PDF
    expect(
      mails
        .map((m) => m.attachments.map((a) => a.filename))
        .flat()
        .sort(),
    ).toEqual(['statement-p1-2026-02.pdf', 'statement-p1-2026-03.pdf']);
    const mail = mails[0];
    expect(mail?.text).toContain('attached as a PDF');
    expect(mail?.subject).toContain('commission statement');
    const pdf = mail?.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf?.filename).toMatch(/^statement-p1-2026-0[23]\.pdf$/);
    const parser = new PDFParse({ data: new Uint8Array(pdf?.content ?? Buffer.alloc(0)) });
    expect((await parser.getText()).text).toContain('Partner p1');
    await parser.destroy();

    // confirmation CSV: p1 paid, p3 failed; a paid line never changes
    const confirmation = `runId,lineId,status,reference\r\n${run.id},${p1Line?.id ?? ''},paid,WISE-77\r\n${run.id},${run.lines[1]?.id ?? ''},failed,returned\r\n`;
    const settled = await call('POST', '/v1/payouts/confirmations', BEN, confirmation, 'text/csv');
    expect(settled.status).toBe(200);
    expect(await json(settled)).toMatchObject({ settled: 2 });
    const again = await call('POST', `/v1/payouts/${run.id}/lines/${p1Line?.id ?? ''}`, BEN, { status: 'failed' });
    expect(again.status).toBe(409);

    const rec = await json(await call('GET', '/v1/reconcile', ANA));
    expect(rec).toMatchObject({ ok: true, differences: [] });
    const pdfRes = await call('GET', '/v1/statements/p1/pdf?period=2026-03', ANA);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    expect((await call('GET', '/v1/reconcile', VIEWER)).status).toBe(403);

    const audit = await service.store.auditEntries({ limit: 100 });
    const actions = new Set(audit.map((e) => `${e.action}:${e.actor}`));
    for (const a of [
      'adjustment.propose:ana',
      'adjustment.approve:ben',
      'payee.update:ana',
      'payout.create:ana',
      'payout.approve:ben',
      'payout.export:ana',
      'payout.settle:ben',
      'reconcile.run:ana',
    ])
      expect(actions).toContain(a);
    expect(JSON.stringify(audit)).not.toContain(IBAN);
  });
});
