// A sync that opens a critical alert notifies once per route through real local receivers (an SMTP
// server, a Slack webhook and a signed webhook endpoint), and the next sync notifies nobody. On
// SQLite and PostgreSQL.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { makeWorld, partner, seedCrm, storeTargets } from '../sync/helpers.ts';
import { dispatcherFor, notificationsYaml, notifyConfig, receiverEnv } from './helpers.ts';
import { HttpReceiver, slackNotificationId, SmtpReceiver } from './receivers.ts';

const CRITICAL_ROUTES = `
    - { events: [alert.opened], severities: [critical], channel: mail, to: [owner] }
    - { events: [alert.opened], severities: [critical], channel: team }
    - { events: [alert.opened], severities: [critical], channel: hook }`;

describe.each(storeTargets())('notifications of a sync on $name', (target) => {
  let smtp: SmtpReceiver;
  let http: HttpReceiver;

  beforeAll(async () => {
    smtp = await new SmtpReceiver().start();
    http = await new HttpReceiver().start();
    http.secrets.set('/hooks/a', 'whsec-test-0123456789abcdef');
  });
  afterAll(async () => {
    await smtp.stop();
    await http.stop();
  });

  it('a sync that opens one critical alert sends one e-mail, one Slack post and one webhook; the next sync none', async () => {
    const crm = new FakeCrm({ account: `acct-${randomUUID()}` });
    seedCrm(crm);
    const w = await makeWorld(target, { crm });
    // the alerts the program already has are known before notifications are configured
    await runSync(w.deps);
    const config = notifyConfig(notificationsYaml(smtp, http, CRITICAL_ROUTES));
    const deps = { ...w.deps, config };
    const env = receiverEnv(http);
    const dispatcher = dispatcherFor({ store: w.store, crm, config, clock: w.clock, env, account: crm.account });
    crm.owners.set('owner-p9', { email: 'Rita.Owner@Example.test', name: 'Rita Owner' });
    crm.upsertPartner(partner('p9', { ratings: { communication: 1, alignment: 1, trust: 1, ease: 1, potential: 1 } }));
    w.clock.set('2026-03-21T12:00:00Z');

    const second = await runSync(deps);
    expect(second.status).toBe('succeeded');
    const report = await dispatcher.dispatchOnce();
    expect(report).toMatchObject({ messages: 3, sent: 3, failed: 0, retried: 0, expanded: 1 });

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0];
    expect(mail?.to).toEqual(['rita.owner@example.test']);
    expect(mail?.subject).toBe('[partnersync] Critical alert HEALTH_AT_RISK — Partner p9');
    expect(mail?.messageId).toBe(`<${mail?.notificationId ?? ''}@partnersync>`);
    expect(mail?.text).toContain('https://ps.example.test/ui/partners/p9');

    const slack = http.posts.filter((p) => p.path.startsWith('/slack-hook/'));
    expect(slack).toHaveLength(1);
    expect(String(slack[0]?.json['text'])).toContain('HEALTH_AT_RISK');
    expect(slackNotificationId(slack[0] ?? ({} as never))).toMatch(/^[0-9a-f-]{36}$/);

    const hooks = http.at('/hooks/a');
    expect(hooks).toHaveLength(1);
    const hook = hooks[0];
    expect(hook?.verified).toBe(true);
    expect(Object.keys(hook?.json ?? {}).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(hook?.json['type']).toBe('alert.opened');
    expect(hook?.headers['partnersync-event-id']).toBe(hook?.json['id']);
    expect(hook?.json['id']).toBe(mail?.eventId);
    expect(hook?.json['data']).toMatchObject({
      code: 'HEALTH_AT_RISK',
      severity: 'critical',
      partner: { id: 'p9', name: 'Partner p9' },
    });

    // the next sync sees the same open episode: nothing new to say
    w.clock.set('2026-03-21T12:15:00Z');
    expect((await runSync(deps)).status).toBe('succeeded');
    expect(await dispatcher.dispatchOnce()).toMatchObject({ messages: 0, sent: 0 });
    expect(smtp.mails).toHaveLength(1);
    expect(http.posts).toHaveLength(2);

    const listed = await w.store.listNotifications({ account: crm.account, limit: 10 });
    expect(listed).toHaveLength(1);
    expect(listed[0]?.deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual([
      'hook:sent',
      'mail:expanded',
      'mail:sent',
      'team:sent',
    ]);
    await dispatcher.stop();
    await w.store.close();
  });

  it('queues alert.resolved, sync.failed, writeback.failed and commission.payable (once per partner per sync)', async () => {
    const crm = new FakeCrm({ account: `acct-${randomUUID()}` });
    seedCrm(crm);
    const config = notifyConfig(
      notificationsYaml(
        smtp,
        http,
        `    - { events: [alert.resolved, sync.failed, writeback.failed, commission.payable], channel: hook }`,
      ),
    );
    const w = await makeWorld(target, { crm, config });
    const events = async (): Promise<{ key: string; type: string; data: Record<string, unknown> }[]> =>
      (await w.store.listNotifications({ account: crm.account, limit: 500 })).map((n) => n.event);

    // the first sync announces what is payable as of now: one event per partner, listing the entries
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const first = await events();
    const payable = first.filter((e) => e.type === 'commission.payable');
    // p2's only win (2 March) is held for 30 days
    expect(payable.map((e) => (e.data['partner'] as { id: string }).id).sort()).toEqual(['p1', 'p3']);
    const p1 = payable.find((e) => (e.data['partner'] as { id: string }).id === 'p1');
    const entries = p1?.data['entries'] as { payableOn: string; amount: string }[];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.payableOn <= '2026-03-20').toBe(true);
    expect(p1?.data['total']).toMatch(/^\d+\.\d{2}$/);

    // nothing new: no event; a held entry whose payable date passes: an event listing it alone
    w.clock.set('2026-03-20T13:00:00Z');
    await runSync(w.deps);
    expect((await events()).length).toBe(first.length);
    w.clock.set('2026-04-15T12:00:00Z');
    await runSync(w.deps);
    const later = (await events()).filter(
      (e) => e.type === 'commission.payable' && !first.some((f) => f.key === e.key),
    );
    expect(later.map((e) => (e.data['partner'] as { id: string }).id)).toContain('p2');
    for (const e of later)
      for (const x of e.data['entries'] as { payableOn: string }[]) {
        expect(x.payableOn > '2026-03-20').toBe(true);
        expect(x.payableOn <= '2026-04-15').toBe(true);
      }

    // resolved alerts (the registration conflict goes with the second registration) and a refused write
    const before = (await events()).length;
    crm.deleteDeal('d8');
    crm.updatePartner('p2', { ratings: { communication: 5, alignment: 5, trust: 5, ease: 5, potential: 5 } });
    crm.faults = { rejectWrites: new Set(['p2']) };
    w.clock.set('2026-04-15T13:00:00Z');
    const run = await runSync(w.deps);
    const added = (await events()).slice(0, (await events()).length - before);
    const wb = added.find((e) => e.type === 'writeback.failed');
    expect(wb?.key).toBe(`writeback.failed:${run.runId}`);
    expect(wb?.data['failures']).toEqual([{ object: 'partner', id: 'p2', reason: 'rejected by the fake CRM' }]);
    const resolved = added.filter((e) => e.type === 'alert.resolved');
    expect(
      resolved.map((e) => `${String(e.data['code'])} ${(e.data['deal'] as { id: string } | null)?.id ?? ''}`),
    ).toContain('REGISTRATION_CONFLICT d7');
    for (const e of resolved) expect(e.data['resolvedAt']).toBe('2026-04-15T13:00:00.000Z');
    crm.faults = {};

    // a failed run
    crm.faults = { failCall: { method: 'pullPage', call: 1, kind: 'unavailable' } };
    w.clock.set('2026-04-15T14:00:00Z');
    const failed = await runSync(w.deps);
    expect(failed.status).toBe('failed');
    const syncFailed = (await events()).find((e) => e.key === `sync.failed:${failed.runId}`);
    expect(syncFailed?.data).toMatchObject({ runId: failed.runId, mode: 'incremental' });
    expect(String(syncFailed?.data['error'])).toContain('injected unavailable');
    await w.store.close();
  });
});
