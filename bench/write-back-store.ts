// The store's side of a full sync's write-back (issue 21: "write-back linear in records written"),
// called as src/sync/run-sync.ts calls it: writeRefusals and recordWrites once, then per batch of
// 1,000 records updateWritten, settleWrites and saveRefusals — on a SQLite store in a temp dir
// whose cache holds N deals, 65% of them written (as a first full sync of the sandbox writes).
// Prints each call's total and the cost per record written, for each size: the same cost per
// record at every size is the goal. Not a test: nothing is asserted, the machine's load shows.
// Usage: node bench/write-back-store.ts [--sizes 10000,100000]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open-store.ts';
import { parseArgs } from 'node:util';
import { deal } from '../test/sync/helpers.ts';

async function measure(n: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-write-back-'));
  const store = await openStore(`sqlite:${path.join(dir, 's.db')}`);
  const account = 'acct';
  const lock = await store.lock(account, 0);
  const state = { cursor: null, pullId: 'pull-1', mode: 'full' as const, done: false, pages: 0 };
  await store.beginPull(account, state, 1, lock.fence);
  for (let i = 0; i < n; i += 1000)
    await store.applyPage(
      account,
      state,
      {
        partners: [],
        deals: Array.from({ length: Math.min(1000, n - i) }, (_, k) => deal(`d${i + k}`)),
        links: [],
        removedDealIds: [],
        removedPartnerIds: [],
        cursor: {},
      },
      2,
      lock.fence,
    );
  const written = Math.round(n * 0.65);
  const intents = Array.from({ length: written }, (_, i) => ({
    id: randomUUID(),
    object: 'deal' as const,
    recordId: `d${i}`,
    fields: { commissionAmount: `${i}.00` },
  }));
  const t = {
    recordWrites: 0,
    updateWritten: 0,
    settleWrites: 0,
    saveRefusals: 0,
    writeRefusals: 0,
  };
  let t0 = performance.now();
  await store.writeRefusals(account);
  t.writeRefusals += performance.now() - t0;
  t0 = performance.now();
  await store.recordWrites(account, 'run-1', intents, 3, lock.fence);
  t.recordWrites += performance.now() - t0;
  for (let i = 0; i < written; i += 1000) {
    const batch = intents.slice(i, i + 1000);
    t0 = performance.now();
    await store.updateWritten(
      account,
      { partners: [], deals: batch.map((b) => ({ id: b.recordId, fields: b.fields, expireRegistration: false })) },
      4,
      lock.fence,
    );
    t.updateWritten += performance.now() - t0;
    t0 = performance.now();
    await store.settleWrites(
      account,
      batch.map((b) => b.id),
      [],
      5,
      lock.fence,
    );
    t.settleWrites += performance.now() - t0;
    t0 = performance.now();
    await store.saveRefusals(account, [], [], lock.fence);
    t.saveRefusals += performance.now() - t0;
  }
  const total = Object.values(t).reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      deals: n,
      written,
      ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)])),
      totalMs: Math.round(total),
      usPerRecord: Math.round((total * 1000) / written),
    }),
  );
  await lock.release();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' } } });
for (const size of values.sizes.split(',').map(Number)) await measure(size);
