// Killing the dispatcher between sending a notification and recording it loses nothing: after a
// restart every receiver has each notification exactly once, or again with the same id (the
// e-mail's Message-ID, the Slack message's notification id, the webhook's Partnersync-Event-Id).
// Real child processes killed with SIGKILL, real SMTP and HTTP receivers; SQLite and PostgreSQL.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { ROOT } from '../helpers/run-node.ts';
import { makeWorld, PROGRAM_YAML, seedCrm, storeTargets } from '../sync/helpers.ts';
import { HOOK_SECRET, notificationsYaml, notifyConfig, receiverEnv } from './helpers.ts';
import { HttpReceiver, slackNotificationId, SmtpReceiver } from './receivers.ts';

const ROUTES = `
    - { events: [alert.opened], channel: mail, to: [ops@example.test] }
    - { events: [alert.opened], channel: team }
    - { events: [alert.opened], channel: hook }`;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Runs the dispatcher child; with pauseAfter, kills it with SIGKILL once it says what it sent. */
function dispatchChild(args: string[], env: Record<string, string>, pauseAfter?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'test/notify/dispatch-child.ts'),
        ...args,
        ...(pauseAfter === undefined ? [] : ['--pause-after', String(pauseAfter)]),
      ],
      { cwd: ROOT, env: { ...process.env, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (pauseAfter !== undefined && /^SENT /m.test(stdout)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`dispatch child exited ${code}: ${stderr}`));
      else resolve({ code, signal, stdout });
    });
  });
}

describe.each(storeTargets())('a dispatcher killed between sending and recording, on $name', (target) => {
  let smtp: SmtpReceiver;
  let http: HttpReceiver;

  beforeAll(async () => {
    smtp = await new SmtpReceiver().start();
    http = await new HttpReceiver().start();
    http.secrets.set('/hooks/a', HOOK_SECRET);
  });
  afterAll(async () => {
    await smtp.stop();
    await http.stop();
  });

  it('leaves every receiver with each notification once, or repeated with the same id', async () => {
    const storeUrl = target.url();
    const crm = new FakeCrm({ account: `acct-crash-${randomUUID()}` });
    seedCrm(crm);
    const yaml = notificationsYaml(smtp, http, ROUTES);
    const config = notifyConfig(yaml);
    const w = await makeWorld(target, { url: storeUrl, crm, config });
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const queued = await w.store.listNotifications({ account: crm.account, limit: 100 });
    await w.store.close();
    const events = queued.map((q) => q.event.id).sort();
    expect(events.length).toBeGreaterThan(3);

    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-crash-'));
    const configFile = path.join(dir, 'config.yaml');
    writeFileSync(configFile, PROGRAM_YAML + yaml);
    // a killed dispatcher's lease would hold its rows for 2 minutes; the restart here takes them at once
    const args = ['--store', storeUrl, '--config', configFile, '--account', crm.account, '--lease-ms', '1'];
    const env = receiverEnv(http);

    // killed right after its first message, then after its third, then a run to the end
    const first = await dispatchChild(args, env, 1);
    expect(first.signal).toBe('SIGKILL');
    const second = await dispatchChild(args, env, 3);
    expect(second.signal).toBe('SIGKILL');
    const last = await dispatchChild(args, env);
    expect(last.code).toBe(0);
    expect(JSON.parse(last.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ failed: 0, retried: 0 });

    // every event reached every receiver; a repeat carries the id the first delivery had
    const mailIds = smtp.mails.map((m) => m.eventId ?? '');
    const hookIds = http.at('/hooks/a').map((p) => p.headers['partnersync-event-id'] ?? '');
    const slack = http.posts.filter((p) => p.path.startsWith('/slack-hook/'));
    expect([...new Set(mailIds)].sort()).toEqual(events);
    expect([...new Set(hookIds)].sort()).toEqual(events);
    for (const p of http.at('/hooks/a')) {
      expect(p.verified).toBe(true);
      expect(p.json['id']).toBe(p.headers['partnersync-event-id']);
    }
    // a repeated e-mail is the same message (Message-ID), a repeated Slack post the same notification id
    const byEvent = new Map<string, Set<string>>();
    for (const m of smtp.mails)
      byEvent.set(m.eventId ?? '', new Set([...(byEvent.get(m.eventId ?? '') ?? []), m.messageId]));
    for (const ids of byEvent.values()) expect(ids.size).toBe(1);
    const slackIds = slack.map(slackNotificationId);
    expect(slackIds.every((id) => id !== null)).toBe(true);
    expect(new Set(slackIds).size).toBe(events.length);
    // the two kills caused at most two repeats in all
    const repeats = smtp.mails.length + hookIds.length + slack.length - 3 * events.length;
    expect(repeats).toBeGreaterThanOrEqual(1);
    expect(repeats).toBeLessThanOrEqual(2);

    // and everything is recorded as sent
    const store = await makeWorld(target, { url: storeUrl, crm, config });
    const after = await store.store.listNotifications({ account: crm.account, limit: 100 });
    expect(after.flatMap((n) => n.deliveries.map((d) => d.status)).every((s) => s === 'sent')).toBe(true);
    await store.store.close();
  });
});
