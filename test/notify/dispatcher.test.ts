// The dispatcher against real local receivers, on SQLite and PostgreSQL: daily digests (one
// message per recipient per day, at the digest hour of the program time zone), retries with
// exponential backoff and giving up, permanent refusals, recipients named by the CRM (owner,
// partner contacts with the filter) and by config (finance), the Slack bot token, and the outbox's
// lease and keys.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { retryGap, retrySchedule } from '../../src/notify/backoff.ts';
import { periodClosed, syncFailed, type NotificationEvent } from '../../src/notify/events.ts';
import { queueEvents } from '../../src/notify/plan.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { partner, PROGRAM_YAML, storeTargets, testConfig, TestClock } from '../sync/helpers.ts';
import { dispatcherFor, HOOK_SECRET, notificationsYaml, receiverEnv } from './helpers.ts';
import { HttpReceiver, SmtpReceiver } from './receivers.ts';

const NEW_YORK = PROGRAM_YAML.replace('timezone: UTC', 'timezone: America/New_York');

/** An event about a partner, keyed by `key`. */
const about = (key: string, partnerId: string | null): NotificationEvent => ({
  key,
  type: 'alert.opened',
  data: {
    episodeId: key,
    code: 'HEALTH_AT_RISK',
    severity: 'critical',
    message: `alert ${key}`,
    partner: partnerId === null ? null : { id: partnerId, name: `Partner ${partnerId}` },
    deal: null,
    recipe: null,
    openedAt: '2026-03-20T00:00:00.000Z',
  },
});

describe.each(storeTargets())('the notification dispatcher on $name', (target) => {
  let smtp: SmtpReceiver;
  let http: HttpReceiver;
  let store: KyselyStore;

  beforeAll(async () => {
    smtp = await new SmtpReceiver().start();
    http = await new HttpReceiver().start();
    http.secrets.set('/hooks/a', HOOK_SECRET);
    store = await openStore(target.url());
  });
  afterAll(async () => {
    await store.close();
    await smtp.stop();
    await http.stop();
  });
  beforeEach(() => {
    smtp.mails.length = 0;
    http.posts.length = 0;
  });

  async function queue(
    config: ReturnType<typeof testConfig>,
    account: string,
    events: readonly NotificationEvent[],
    at: string,
  ): Promise<void> {
    const queued = queueEvents(config.config.notifications, events, {
      at: Date.parse(at),
      timezone: config.program.timezone,
      newId: randomUUID,
      runId: null,
    });
    await store.queueNotifications(account, queued, [], Date.parse(at));
  }

  it('digest mode sends one message per recipient per day, at the digest hour in the program time zone', async () => {
    const account = `acct-digest-${randomUUID()}`;
    const config = testConfig(
      NEW_YORK +
        notificationsYaml(
          smtp,
          http,
          `
    - { events: [period.closed, sync.failed], channel: mail, to: [finance, ops@example.test], mode: digest }
    - { events: [period.closed, sync.failed], channel: team, mode: digest }`,
          '  digestHour: 8',
        ),
    );
    const clock = new TestClock('2026-03-20T14:00:00Z');
    const d = dispatcherFor({ store, crm: null, config, clock, env: receiverEnv(http), account });
    const run = (id: string, at: string): NotificationEvent =>
      syncFailed({
        runId: id,
        account,
        mode: 'incremental',
        startedAt: Date.parse(at),
        finishedAt: Date.parse(at),
        error: 'CRM down',
      });
    // 10:00 and 22:00 in New York on 20 March (22:00 is already 21 March in UTC), then 09:00 on 21 March
    await queue(
      config,
      account,
      [
        run('r1', '2026-03-20T14:00:00Z'),
        periodClosed({ period: '2026-02', closedAt: Date.parse('2026-03-20T14:00:00Z'), closedBy: 'ana' }),
      ],
      '2026-03-20T14:00:00Z',
    );
    await queue(config, account, [run('r2', '2026-03-21T02:00:00Z')], '2026-03-21T02:00:00Z');
    await queue(config, account, [run('r3', '2026-03-21T13:00:00Z')], '2026-03-21T13:00:00Z');

    // 08:00 UTC has passed, 08:00 in New York (12:00 UTC) has not: nothing yet
    clock.set('2026-03-21T11:59:00Z');
    expect(await d.dispatchOnce()).toMatchObject({ messages: 0 });
    clock.set('2026-03-21T12:00:00Z');
    expect(await d.dispatchOnce()).toMatchObject({ messages: 3, sent: 9 });
    expect(smtp.mails.map((m) => m.to.join()).sort()).toEqual(['finance@example.test', 'ops@example.test']);
    for (const m of smtp.mails) {
      expect(m.subject).toBe('[partnersync] Daily digest 2026-03-21: 3 notifications');
      expect(m.text).toContain('Period 2026-02 closed by ana');
      expect(m.eventId).toBeNull();
    }
    const slack = http.posts.filter((p) => p.path.startsWith('/slack-hook/'));
    expect(slack).toHaveLength(1);
    expect(String(slack[0]?.json['text'])).toContain('Daily digest 2026-03-21: 3 notifications');
    // the same day again: nothing more
    clock.set('2026-03-21T18:00:00Z');
    expect(await d.dispatchOnce()).toMatchObject({ messages: 0 });
    // the next morning: the event of 21 March, alone
    clock.set('2026-03-22T12:00:00Z');
    expect(await d.dispatchOnce()).toMatchObject({ messages: 3, sent: 3 });
    expect(
      smtp.mails.slice(2).every((m) => m.subject === '[partnersync] Daily digest 2026-03-22: 1 notification'),
    ).toBe(true);
    await d.stop();
  });

  it('retries a failing endpoint with exponential backoff, then delivers; gives up after retryHours', async () => {
    const account = `acct-retry-${randomUUID()}`;
    const config = testConfig(
      PROGRAM_YAML + notificationsYaml(smtp, http, `    - { events: [sync.failed], channel: hook }`, '  retryHours: 1'),
    );
    const clock = new TestClock('2026-03-20T12:00:00Z');
    const d = dispatcherFor({ store, crm: null, config, clock, env: receiverEnv(http), account });
    const failed = (id: string): NotificationEvent =>
      syncFailed({ runId: id, account, mode: 'full', startedAt: clock.now(), finishedAt: clock.now(), error: 'boom' });
    await queue(config, account, [failed('a')], '2026-03-20T12:00:00Z');
    http.failNext = 2;
    expect(await d.dispatchOnce()).toMatchObject({ messages: 0, retried: 1 });
    let [n] = await store.listNotifications({ account, limit: 1 });
    expect(n?.deliveries[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'webhook: the endpoint answered 503',
    });
    expect(n?.deliveries[0]?.nextAttemptAt).toBe(clock.now() + 30_000);
    clock.t += 29_000;
    expect(await d.dispatchOnce()).toMatchObject({ messages: 0, retried: 0 });
    clock.t += 1_000;
    expect(await d.dispatchOnce()).toMatchObject({ retried: 1 });
    [n] = await store.listNotifications({ account, limit: 1 });
    expect(n?.deliveries[0]?.nextAttemptAt).toBe(clock.now() + 60_000);
    clock.t += 60_000;
    expect(await d.dispatchOnce()).toMatchObject({ messages: 1, sent: 1 });
    [n] = await store.listNotifications({ account, limit: 1 });
    expect(n?.deliveries[0]).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    // 3 attempts reached the endpoint; the last one was accepted and verified
    expect(http.at('/hooks/a')).toHaveLength(1);
    expect(http.at('/hooks/a')[0]?.verified).toBe(true);

    // an endpoint that never answers well is given up after retryHours (1 h here)
    await queue(config, account, [failed('b')], '2026-03-20T13:00:00Z');
    clock.set('2026-03-20T13:00:00Z');
    http.failNext = 1000;
    for (let i = 0; i < 20; i++) {
      await d.dispatchOnce();
      clock.t += 16 * 60_000;
    }
    http.failNext = 0;
    [n] = await store.listNotifications({ account, limit: 1 });
    expect(n?.event.key).toBe('sync.failed:b');
    expect(n?.deliveries[0]?.status).toBe('failed');
    expect(n?.deliveries[0]?.lastError).toMatch(/^gave up after 1 h: webhook: the endpoint answered 503/);
    await d.stop();
  });

  it('fails at once on a permanent refusal, and retries a temporary one', async () => {
    const account = `acct-perm-${randomUUID()}`;
    const config = testConfig(
      PROGRAM_YAML +
        notificationsYaml(
          smtp,
          http,
          `    - { events: [sync.failed], channel: mail, to: [blocked@example.test, ok@example.test] }`,
        ),
    );
    const clock = new TestClock('2026-03-20T12:00:00Z');
    const d = dispatcherFor({ store, crm: null, config, clock, env: receiverEnv(http), account });
    await queue(
      config,
      account,
      [syncFailed({ runId: 'x', account, mode: 'full', startedAt: 0, finishedAt: 0, error: 'e' })],
      '2026-03-20T12:00:00Z',
    );
    smtp.failNext = 1;
    const first = await d.dispatchOnce();
    expect(first.failed).toBe(1);
    expect(first.retried + first.sent).toBe(1);
    clock.t += 30_000;
    await d.dispatchOnce();
    const [n] = await store.listNotifications({ account, limit: 1 });
    const byTo = new Map(n?.deliveries.map((x) => [x.recipient, x]));
    expect(byTo.get('mailto:blocked@example.test')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(byTo.get('mailto:blocked@example.test')?.lastError).toContain('550');
    expect(byTo.get('mailto:ok@example.test')?.status).toBe('sent');
    expect(smtp.mails.map((m) => m.to.join())).toEqual(['ok@example.test']);
    await d.stop();
  });

  it("names the partner's owner and its matching contacts through the CRM, finance from config, and posts with a Slack bot token", async () => {
    const crm = new FakeCrm({ account: `acct-people-${randomUUID()}` });
    crm.upsertPartner(partner('p1', { ownerId: 'u1' }));
    crm.upsertPartner(partner('p2', { ownerId: 'u-gone' }));
    crm.owners.set('u1', { email: 'Owner.One@Example.test', name: 'Owner One' });
    crm.contacts.push(
      { id: 'c1', partnerId: 'p1', email: 'pm@p1.test', name: 'Pat', properties: { role: 'partner-manager' } },
      { id: 'c2', partnerId: 'p1', email: null, name: 'No Mail', properties: { role: 'partner-manager' } },
      { id: 'c3', partnerId: 'p1', email: 'cfo@p1.test', name: 'Cy', properties: { role: 'finance' } },
    );
    const config = testConfig(
      PROGRAM_YAML +
        notificationsYaml(
          smtp,
          http,
          `
    - { events: [alert.opened], channel: mail, to: [owner, partner-contacts, finance] }
    - { events: [alert.opened], channel: bot }`,
        ),
    );
    const clock = new TestClock('2026-03-20T12:00:00Z');
    const d = dispatcherFor({ store, crm, config, clock, env: receiverEnv(http), account: crm.account });
    await queue(config, crm.account, [about('e1', 'p1'), about('e2', 'p2'), about('e3', null)], '2026-03-20T12:00:00Z');
    const report = await d.dispatchOnce();
    expect(smtp.mails.map((m) => `${m.to.join()} ${m.eventId === null ? '' : m.subject}`).sort()).toEqual([
      'finance@example.test [partnersync] Critical alert HEALTH_AT_RISK',
      'finance@example.test [partnersync] Critical alert HEALTH_AT_RISK — Partner p1',
      'finance@example.test [partnersync] Critical alert HEALTH_AT_RISK — Partner p2',
      'owner.one@example.test [partnersync] Critical alert HEALTH_AT_RISK — Partner p1',
      'pm@p1.test [partnersync] Critical alert HEALTH_AT_RISK — Partner p1',
    ]);
    // p2's owner is gone and p2 has no contacts: skipped, with the reason
    expect(report.skipped).toBe(2);
    const list = await store.listNotifications({ account: crm.account, limit: 10 });
    const p2 = list.find((n) => n.event.key === 'e2');
    expect(
      p2?.deliveries
        .filter((x) => x.status === 'skipped')
        .map((x) => x.lastError)
        .sort(),
    ).toEqual([
      'the partner has no matching contacts with an e-mail address',
      'the partner has no owner with an e-mail address',
    ]);
    const bot = http.posts.filter((p) => p.path === '/slack-api/chat.postMessage');
    expect(bot).toHaveLength(3);
    expect(bot[0]?.headers['authorization']).toBe('Bearer xoxb-test-token');
    expect(bot.map((p) => p.json['channel'])).toEqual(['#partners', '#partners', '#partners']);
    const ids = bot.map((p) => String(p.json['metadata']));
    expect(ids.every((m) => /partnersync_notification/.test(m))).toBe(true);
    // expanding again (a retried pass) adds nothing
    expect(await d.dispatchOnce()).toMatchObject({ messages: 0, expanded: 0 });
    await d.stop();
  });

  it('leases a delivery to one dispatcher at a time, and queues an event key once', async () => {
    const account = `acct-lease-${randomUUID()}`;
    const config = testConfig(
      PROGRAM_YAML + notificationsYaml(smtp, http, `    - { events: [sync.failed], channel: hook }`),
    );
    const events = Array.from({ length: 30 }, (_, i) =>
      syncFailed({ runId: `r${i}`, account, mode: 'full', startedAt: 0, finishedAt: 0, error: 'e' }),
    );
    await queue(config, account, events, '2026-03-20T12:00:00Z');
    await queue(config, account, events.slice(0, 10), '2026-03-20T12:05:00Z');
    expect(await store.listNotifications({ account, limit: 100 })).toHaveLength(30);
    const now = Date.parse('2026-03-20T12:10:00Z');
    const [a, b] = await Promise.all([
      store.claimDeliveries(now, 20, 60_000, 'immediate', account),
      store.claimDeliveries(now, 20, 60_000, 'immediate', account),
    ]);
    // never the same row twice (on PostgreSQL the loser of the race may get nothing this time)
    const ids = [...a, ...b].map((x) => x.id);
    expect(ids.length).toBeGreaterThanOrEqual(20);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await store.claimDeliveries(now, 50, 60_000, 'immediate', account);
    expect(rest).toHaveLength(30 - ids.length);
    expect(rest.some((r) => ids.includes(r.id))).toBe(false);
    // every row is held until its lease ends
    expect(await store.claimDeliveries(now + 59_000, 50, 60_000, 'immediate', account)).toHaveLength(0);
    expect(await store.claimDeliveries(now + 60_000, 50, 60_000, 'immediate', account)).toHaveLength(30);
  });
});

describe('the retry schedule', () => {
  it('doubles from 30 seconds up to an hour between attempts, for retryHours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryGap)).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000,
    ]);
    const day = retrySchedule(24);
    // 7 doubling gaps (63.5 minutes), then hourly: 30 attempts in all within 24 hours
    expect(day).toHaveLength(30);
    expect(day.at(-1)).toBeLessThanOrEqual(24 * 3_600_000);
    expect(day.slice(0, 4)).toEqual([0, 30_000, 90_000, 210_000]);
  });
});
