// Sync throughput on the fake CRM (no network): a first full sync, an unchanged re-run, an idle
// run and a run after one deal changed,
// against SQLite (default) or the PostgreSQL URL given as the first argument.
//   npm run bench:store -- [postgres://…] [deals]     (20,000 deals and 500 partners by default)

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeCrm } from '../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/open-store.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { deal, partner, TestClock, testConfig } from '../test/sync/helpers.ts';

const url = process.argv[2]?.startsWith('postgres')
  ? process.argv[2]
  : `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'psbench-')), 'b.db')}`;
const dealCount = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20000);
const partners = Math.max(10, Math.floor(dealCount / 40));
const crm = new FakeCrm({ account: `bench-${randomUUID()}`, pageSize: 100 });
for (let i = 0; i < partners; i++) crm.upsertPartner(partner(`p${i}`));
for (let i = 0; i < dealCount; i++) {
  const won = i % 3 !== 0;
  crm.upsertDeal(
    deal(`d${i}`, {
      sourcePartnerId: `p${i % partners}`,
      stage: won ? 'won' : 'open',
      closedAt: won ? '2026-02-10T00:00:00Z' : null,
      amount: `${1000 + (i % 97) * 10}.00`,
    }),
  );
}
const store = await openStore(url);
const deps = { store, crm, clock: new TestClock('2026-03-20T12:00:00Z'), logger: silentLogger(), config: testConfig() };
// the re-run reads back what the first run wrote; the idle run then finds no change at all
for (const label of ['first full sync', 'unchanged re-run', 'idle re-run', 'one deal changed']) {
  if (label === 'one deal changed') crm.updateDeal('d1', { amount: '1234.00' });
  const t0 = performance.now();
  const r = await runSync(deps);
  const ms = performance.now() - t0;
  const records = r.report.pull.partners + r.report.pull.deals;
  console.log(
    `${store.kind} ${label}: ${Math.round(ms)} ms, ${records} records pulled (${Math.round(records / (ms / 1000))}/s), ` +
      `${r.report.ledger.posted.accrual + r.report.ledger.posted.adjustment + r.report.ledger.posted.clawback} entries, ` +
      `${r.report.writeBack.partners + r.report.writeBack.deals} records written, steps ${JSON.stringify(r.report.durationsMs)}, ` +
      `ledger keys ${JSON.stringify(r.report.ledger.keys ?? null)}${r.report.skipped ? ' (idle: skipped)' : ''}, ` +
      `rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
  );
}
await store.close();
