// Where a one-deal targeted run's time goes (issue 21), without the scale benchmark's sandbox and
// `serve`: a synthetic account (bench/synthetic.ts, partners = deals / 50 as in `--scale`) in the
// fake CRM, a SQLite (or PostgreSQL) store, a full sync, a settle and an idle run, then N targeted
// runs a few seconds apart, each changing one deal's amount. Prints each targeted run's path
// (report.scope) and step durations, the medians, and the time spent in each store method over
// the targeted runs; with --cpu-prof DIR, a CPU profile of the targeted runs only. In process, so
// the engine is warm after the first run (serve starts a fresh worker thread per run): figures are
// for finding what grows with the account, not for the goals.
//   node bench/targeted-profile.ts [deals=100000] [runs=10] [sqlite|postgres://…] [--cpu-prof DIR]
//                                  [--big N: partner p0 sources N deals, d0 (the first run's) among them]

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfigFile } from '../src/config/load.ts';
import { FakeCrm } from '../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/open-store.ts';
import { runSync, type SyncResult } from '../src/sync/run-sync.ts';
import { syntheticSnapshot } from './synthetic.ts';

const args = process.argv.slice(2);
const option = (name: string): string | null => {
  const i = args.indexOf(name);
  return i === -1 ? null : (args[i + 1] ?? '');
};
const profDir = option('--cpu-prof');
const big = Number(option('--big') ?? 0);
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && (args[i - 1] ?? '').startsWith('--')));
const deals = Number(positional[0] ?? 100_000);
const runs = Number(positional[1] ?? 10);
const where = positional[2] ?? 'sqlite';

const at = Date.parse('2026-11-15T12:00:00Z');
let now = at;
const clock = { now: (): number => now };
const url = where === 'sqlite' ? `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'pstp-')), 'store.db')}` : where;
const store = await openStore(url);
const crm = new FakeCrm({ account: `profile-${deals}-${Date.now()}`, pageSize: 1000 });
const config = loadConfigFile('config/examples/program.yaml');
const snapshot = syntheticSnapshot(deals, Math.max(50, Math.round(deals / 50)), at, 1);
for (const p of snapshot.partners) crm.upsertPartner({ ...p });
// --big N: partner p0 sources N deals spread over the account (d0 among them, the first targeted
// run's), as a large partner of the sandbox's seeded accounts does
const every = big > 0 ? Math.max(1, Math.floor(deals / big)) : 0;
snapshot.deals.forEach((d, i) => {
  crm.upsertDeal(every > 0 && i % every === 0 ? { ...d, sourcePartnerId: 'p0' } : { ...d });
});
// time spent in each store method during the targeted runs (--store-times)
const storeTimes = new Map<string, { calls: number; ms: number }>();
let timing = false;
const timedStore = new Proxy(store, {
  get(target, prop, receiver) {
    const value: unknown = Reflect.get(target, prop, receiver);
    if (typeof value !== 'function' || typeof prop !== 'string') return value;
    return (...a: unknown[]): unknown => {
      const t0 = performance.now();
      const out: unknown = (value as (...x: unknown[]) => unknown).apply(target, a);
      if (!timing || !(out instanceof Promise)) return out;
      return out.finally(() => {
        const s = storeTimes.get(prop) ?? { calls: 0, ms: 0 };
        s.calls += 1;
        s.ms += performance.now() - t0;
        storeTimes.set(prop, s);
      });
    };
  },
});
const deps = { store: timedStore, crm, clock, logger: silentLogger(), config };

const line = (label: string, r: SyncResult, ms: number): void => {
  const s = r.report.scope;
  console.log(
    `${label}: ${r.status} ${Math.round(ms)} ms, ${s?.mode ?? '-'}${s ? ` (${s.reason}; AP ${s.partners}, DS ${s.deals}, read ${s.read?.partners ?? 0}/${s.read?.deals ?? 0}${s.readModels ? `, read models ${s.readModels}` : ''})` : ''} ${JSON.stringify(r.report.durationsMs)}`,
  );
};
const timedRun = async (label: string, options: Parameters<typeof runSync>[1]): Promise<SyncResult> => {
  const t0 = performance.now();
  const r = await runSync(deps, options);
  line(label, r, performance.now() - t0);
  if (r.status !== 'succeeded') throw new Error(`${label}: ${r.report.error ?? r.status}`);
  return r;
};

await timedRun('full', { full: true });
now += 2000;
await timedRun('settle', {});
now += 2000;
await timedRun('idle', {});

const session = profDir === null ? null : new Session();
if (session !== null) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
timing = true;
const steps: Record<string, number[]> = {};
const totals: number[] = [];
for (let i = 0; i < runs; i++) {
  now += 3000;
  const d = snapshot.deals[i % snapshot.deals.length];
  if (d === undefined) break;
  crm.updateDeal(d.id, { amount: `${100 + i}.00` });
  const r = await timedRun(`targeted ${i + 1} (${d.id})`, { targeted: { deals: [d.id], partners: [] } });
  for (const [k, v] of Object.entries(r.report.durationsMs)) (steps[k] ??= []).push(v);
  totals.push(r.report.durationsMs['total'] ?? 0);
}
if (session !== null && profDir !== null) {
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(profDir, { recursive: true });
  const file = path.join(profDir, `targeted-${deals}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`profile: ${file}`);
}
console.log(
  `store methods over the targeted runs (ms, calls): ${[...storeTimes]
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([k, v]) => `${k} ${Math.round(v.ms)} (${v.calls})`)
    .join(', ')}`,
);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
console.log(
  `medians over ${totals.length} targeted runs: ${JSON.stringify(Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])))}`,
);
await store.close();
