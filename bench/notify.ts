// Notification delivery throughput against local receivers (a webhook endpoint and an SMTP server
// on this machine): N events queued, then one dispatcher pass, timed. SQLite by default, or the
// PostgreSQL URL given as the first argument.
//   npm run bench:notify -- [postgres://…] [events]     (2,000 events by default)

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { syncFailed } from '../src/notify/events.ts';
import { queueEvents } from '../src/notify/plan.ts';
import { openStore } from '../src/store/open-store.ts';
import { dispatcherFor, HOOK_SECRET, notificationsYaml, receiverEnv } from '../test/notify/helpers.ts';
import { HttpReceiver, SmtpReceiver } from '../test/notify/receivers.ts';
import { PROGRAM_YAML, testConfig, TestClock } from '../test/sync/helpers.ts';

const url = process.argv[2]?.startsWith('postgres')
  ? process.argv[2]
  : `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'psbench-')), 'n.db')}`;
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2000);

const smtp = await new SmtpReceiver().start();
const http = await new HttpReceiver().start();
http.secrets.set('/hooks/a', HOOK_SECRET);
const store = await openStore(url);

for (const [channel, route] of [
  ['webhook', '    - { events: [sync.failed], channel: hook }'],
  ['e-mail', '    - { events: [sync.failed], channel: mail, to: [ops@example.test] }'],
] as const) {
  const account = `bench-${randomUUID()}`;
  const config = testConfig(PROGRAM_YAML + notificationsYaml(smtp, http, route));
  const clock = new TestClock('2026-03-20T12:00:00Z');
  const events = Array.from({ length: count }, (_, i) =>
    syncFailed({ runId: `r${i}`, account, mode: 'full', startedAt: 0, finishedAt: 0, error: 'bench' }),
  );
  const t0 = performance.now();
  await store.queueNotifications(
    account,
    queueEvents(config.config.notifications, events, {
      at: clock.now(),
      timezone: 'UTC',
      newId: randomUUID,
      runId: null,
    }),
    [],
    clock.now(),
  );
  const queued = performance.now() - t0;
  const d = dispatcherFor({ store, crm: null, config, clock, env: receiverEnv(http), account });
  const t1 = performance.now();
  const report = await d.dispatchOnce();
  const sent = performance.now() - t1;
  await d.stop();
  process.stdout.write(
    `${channel} on ${store.kind}: ${count} events queued in ${Math.round(queued)} ms; ${report.sent} delivered in ${Math.round(sent)} ms = ${Math.round((report.sent / sent) * 1000)} per second (4 in flight)\n`,
  );
}
await store.close();
await smtp.stop();
await http.stop();
