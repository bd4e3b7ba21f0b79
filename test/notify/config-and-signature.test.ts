// The notifications and auth config blocks (errors that name the key and the fix, secrets read by
// variable name), routing rules, digest times, and the webhook signature as receivers check it.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { Secrets } from '../../src/config/secrets.ts';
import { syncFailed, periodClosed } from '../../src/notify/events.ts';
import { digestDue, routeEvent, stableId } from '../../src/notify/plan.ts';
import { signatureHeader, verifySignature } from '../../src/notify/webhook-signature.ts';
import { PROGRAM_YAML, testConfig } from '../sync/helpers.ts';

function problems(yaml: string): string[] {
  try {
    testConfig(PROGRAM_YAML + yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const CHANNELS = `
notifications:
  channels:
    mail: { type: email, from: ps@example.test, smtp: { host: smtp.example.test, user: ps, passwordEnv: SMTP_PASSWORD } }
    hook: { type: webhook, url: "https://hooks.example.test/ps", secretEnv: HOOK_SECRET }
    team: { type: slack, webhookUrlEnv: SLACK_WEBHOOK_URL }
`;

describe('the notifications config', () => {
  it('names the key and the fix for each mistake', () => {
    expect(
      problems(`${CHANNELS}  routes:
    - { events: [alert.opened], channel: mial, to: [owner] }
    - { events: [alert.opened], channel: mail }
    - { events: [sync.failed], channel: hook, to: [finance] }
    - { events: [sync.failed], channel: hook, mode: digest }
    - { events: [sync.failed], codes: [HEALTH_AT_RISK], channel: team }
    - { events: [alert.exploded], channel: team }
`),
    ).toEqual([
      'notifications.routes[5].events[0]: must be one of: alert.opened, alert.resolved, registration.submitted, registration.decided, commission.payable, period.closed, sync.failed, sync.stopped, writeback.failed, payout.approved',
    ]);
    expect(
      problems(`${CHANNELS}  routes:
    - { events: [alert.opened], channel: mial, to: [owner] }
    - { events: [alert.opened], channel: mail }
    - { events: [sync.failed], channel: hook, to: [finance] }
    - { events: [sync.failed], channel: hook, mode: digest }
    - { events: [sync.failed], codes: [HEALTH_AT_RISK], channel: team }
`),
    ).toEqual([
      'notifications.routes[0].channel: names no channel; define notifications.channels.mial or use one of: mail, hook, team',
      'notifications.routes[1].to: an e-mail route needs to: [owner | finance | partner-contacts | an address]',
      'notifications.routes[2].to: a webhook channel has one destination; remove to (or route to an e-mail channel)',
      'notifications.routes[3].mode: webhooks carry one event each; use mode: immediate',
      'notifications.routes[4].codes: codes and severities filter alert events only; put other events in a route of their own',
    ]);
    expect(problems(CHANNELS.replace('secretEnv: HOOK_SECRET', 'secretEnv: "whsec_abc123"'))[0]).toContain(
      'must be the NAME of an environment variable holding the secret',
    );
    expect(problems('\nauth: { tokenSignIn: false }\n')).toEqual([
      'auth.tokenSignIn: tokenSignIn: false leaves no way into the dashboard; configure auth.sso first',
    ]);
  });

  it('reads the secrets it names from the environment only, and says which key names a missing one', () => {
    const config = testConfig(`${PROGRAM_YAML}${CHANNELS}  routes: []\n`);
    let err: unknown;
    try {
      Secrets.fromEnv(config.config, { SMTP_PASSWORD: 'pw-123456', HOOK_SECRET: '' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual([
      'notifications.channels.hook.secretEnv',
      'notifications.channels.team.webhookUrlEnv',
    ]);
    const secrets = Secrets.fromEnv(config.config, {
      SMTP_PASSWORD: 'pw-123456',
      HOOK_SECRET: 'whsec-abcdef',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.test/services/T1/B2/secretpart',
    });
    expect(secrets.get('HOOK_SECRET')).toBe('whsec-abcdef');
    expect(secrets.redact('POST https://hooks.slack.test/services/T1/B2/secretpart failed (whsec-abcdef)')).toBe(
      'POST [redacted] failed ([redacted])',
    );
  });
});

describe('routing', () => {
  const config = testConfig(`${PROGRAM_YAML}${CHANNELS}  finance: [Finance@Example.test]
  routes:
    - { events: [sync.failed, period.closed], channel: mail, to: [finance, owner, ops@example.test], mode: digest }
    - { events: [sync.failed], channel: mail, to: [ops@example.test] }
    - { events: [sync.failed], channel: team }
`).config.notifications;

  it('gives an event one delivery per channel and recipient, immediate winning over digest, and no owner without a partner', () => {
    if (config === undefined) throw new Error('no notifications block');
    let n = 0;
    const ctx = { at: Date.parse('2026-03-20T12:00:00Z'), timezone: 'UTC', newId: () => `id${++n}`, runId: null };
    const failed = syncFailed({ runId: 'r', account: 'a', mode: 'full', startedAt: 0, finishedAt: 0, error: null });
    expect(routeEvent(config, failed, ctx).map((d) => `${d.channel} ${d.recipient} ${d.mode}`)).toEqual([
      'mail mailto:finance@example.test digest',
      'mail mailto:ops@example.test immediate',
      'team  immediate',
    ]);
    const closed = routeEvent(config, periodClosed({ period: '2026-02', closedAt: 0, closedBy: 'ana' }), ctx);
    expect(closed.map((d) => d.dueAt)).toEqual([
      Date.parse('2026-03-21T08:00:00Z'),
      Date.parse('2026-03-21T08:00:00Z'),
    ]);
  });

  it('sends digests at the next digest hour of the program time zone', () => {
    expect(new Date(digestDue(Date.parse('2026-03-20T11:59:00Z'), 'America/New_York', 8)).toISOString()).toBe(
      '2026-03-20T12:00:00.000Z',
    );
    expect(new Date(digestDue(Date.parse('2026-03-20T12:00:00Z'), 'America/New_York', 8)).toISOString()).toBe(
      '2026-03-21T12:00:00.000Z',
    );
    // the day the clocks change in New York: still 08:00 local
    expect(new Date(digestDue(Date.parse('2026-03-07T14:00:00Z'), 'America/New_York', 8)).toISOString()).toBe(
      '2026-03-08T12:00:00.000Z',
    );
    expect(stableId('a', 'b')).toBe(stableId('a', 'b'));
    expect(stableId('a', 'b')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableId('a', 'b')).not.toBe(stableId('ab', ''));
  });
});

describe('the webhook signature', () => {
  const body = '{"id":"e1","type":"sync.failed","createdAt":"2026-03-20T12:00:00.000Z","data":{}}';
  const t = 1_774_008_000;

  it('is t=<seconds>,v1=<hex HMAC-SHA256(secret, t.body)>, as the README documents', () => {
    const mac = createHmac('sha256', 'whsec-x').update(`${t}.${body}`).digest('hex');
    expect(signatureHeader('whsec-x', body, t)).toBe(`t=${t},v1=${mac}`);
  });

  it('verifies, and refuses another secret, a changed body, and a timestamp older than 5 minutes', () => {
    const header = signatureHeader('whsec-x', body, t);
    expect(verifySignature('whsec-x', body, header, t + 299)).toEqual({ ok: true, timestamp: t });
    expect(verifySignature('whsec-y', body, header, t)).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifySignature('whsec-x', `${body} `, header, t)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifySignature('whsec-x', body, header, t + 301)).toEqual({ ok: false, reason: 'timestamp too old' });
    expect(verifySignature('whsec-x', body, undefined, t)).toEqual({ ok: false, reason: 'no signature header' });
  });
});
