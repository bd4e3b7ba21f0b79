// The read-model step alone (issue 21): on a synthetic account, what a full run's step costs
// (building the 14 stored periods, hashing the rows, the fenced write — first and unchanged)
// and what a scoped run's costs after one deal changed (the engine over the sub-snapshot of the
// deal's partners, then scopedReadModels). Not a test: nothing is asserted; medians of --repeat.
// Usage: node bench/read-model-step.ts [--deals N] [--partners N] [--repeat N] [--store URL]

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { monthlyAccs, periodAccsFromMonths, periodKpis } from '../src/domain/engine.ts';
import type { PulledDeal, PulledPartner } from '../src/domain/records.ts';
import { openStore } from '../src/store/open-store.ts';
import {
  periodInputs,
  programFingerprint,
  readModelDealRows,
  readModelRows,
  storedPeriods,
} from '../src/sync/read-model-build.ts';
import { scopedReadModels } from '../src/sync/read-model-scope.ts';
import { computeForRun } from '../src/sync/run-sync.ts';
import { testConfig } from '../test/sync/helpers.ts';
import { syntheticSnapshot } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '100000' },
    partners: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    store: { type: 'string' },
  },
});
const dealCount = Number(values.deals);
const partnerCount = Number(values.partners ?? Math.max(1, Math.round(dealCount / 50)));
const repeat = Number(values.repeat);
const url = values.store ?? `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'partnersync-rms-')), 'bench.db')}`;

const yaml = `${readFileSync(new URL('../config/examples/program.yaml', import.meta.url), 'utf8')}\ncrm:\n  provider: hubspot\n`;
const program = testConfig(yaml).program;
const asOf = Date.parse('2026-03-15T12:00:00Z');
const snapshot = syntheticSnapshot(dealCount, partnerCount, asOf);
const partners: PulledPartner[] = snapshot.partners.map((p) => ({ ...p, ownerId: null, written: {} }));
const deals: PulledDeal[] = snapshot.deals.map((d) => ({ ...d, ownerId: null, written: {} }));
const names = new Map(partners.map((p) => [p.id, p.name ?? p.id]));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const time = async <T>(fn: () => T | Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
};

const store = await openStore(url);
const account = `bench-${randomUUID()}`;
const [{ out }, computeMs] = await time(() => computeForRun(program, partners, deals, asOf));
const periods = storedPeriods(out.details.tz.monthOf(asOf));
const head = (): { runId: string; asOf: number; fingerprint: string } => ({
  runId: randomUUID(),
  asOf,
  fingerprint: programFingerprint(program),
});

// before the one-pass accumulation: each stored period accumulated on its own (main's periodKpis)
const perPeriod: number[] = [];
for (let i = 0; i < repeat; i++)
  perPeriod.push(
    (
      await time(() =>
        periods.map((p) => (p.label === out.result.period.label ? null : periodKpis(program, out.details, asOf, p))),
      )
    )[1],
  );
const onePass: number[] = [];
for (let i = 0; i < repeat; i++)
  onePass.push(
    (
      await time(() => {
        const m = monthlyAccs(program, out.details, asOf, (periods[0]?.firstMonth ?? 0) - 1, periods.length);
        return periods.map((p) =>
          p.label === out.result.period.label
            ? null
            : periodKpis(program, out.details, asOf, p, periodAccsFromMonths(out.details, m, p)),
        );
      })
    )[1],
  );
const build: number[] = [];
const hash: number[] = [];
let inputs = periodInputs(readModelRows(program, out, names, asOf, periods));
for (let i = 0; i < repeat; i++) {
  const [rows, b] = await time(() => readModelRows(program, out, names, asOf, periods));
  const [ins, h] = await time(() => periodInputs(rows));
  build.push(b);
  hash.push(h);
  inputs = ins;
}
const dealRows = readModelDealRows(out.details);
const write = async (): Promise<number> => {
  const lock = await store.lock(account, 0);
  try {
    return (await time(() => store.writeReadModels(lock.fence, head(), inputs, true, asOf, { deals: dealRows })))[1];
  } finally {
    await lock.release();
  }
};
const firstWriteMs = await write();
const unchanged: number[] = [];
for (let i = 0; i < repeat; i++) unchanged.push(await write());

// a scoped run after one deal changed: its partners and every deal naming them
const scopedMs: number[] = [];
const subMs: number[] = [];
for (let i = 0; i < repeat; i++) {
  const changed = deals[(i * 7919) % deals.length] as PulledDeal;
  const named = (d: PulledDeal): string[] => [
    ...(d.sourcePartnerId == null ? [] : [d.sourcePartnerId]),
    ...(d.registration?.partnerId == null ? [] : [d.registration.partnerId]),
    ...(d.touches ?? []).map((t) => t.partnerId),
  ];
  const ap = new Set(named(changed));
  const ds = new Set(deals.filter((d) => d.id === changed.id || named(d).some((p) => ap.has(p))).map((d) => d.id));
  const context = new Set(deals.filter((d) => ds.has(d.id)).flatMap(named));
  const [sub, s] = await time(
    () =>
      computeForRun(
        program,
        partners.filter((p) => ap.has(p.id) || context.has(p.id)),
        deals.filter((d) => ds.has(d.id)),
        asOf,
      ).out,
  );
  subMs.push(s);
  const lock = await store.lock(account, 0);
  try {
    const [r, ms] = await time(() =>
      scopedReadModels({
        store,
        fence: lock.fence,
        program,
        head: head(),
        asOf,
        sub,
        partners: ap,
        deals: ds,
        removedPartners: [],
        removedDeals: [],
        names,
        at: asOf,
      }),
    );
    if (r === null) throw new Error('scoped read models refused');
    scopedMs.push(ms);
  } finally {
    await lock.release();
  }
}
await store.close();

const round = (v: number): number => Math.round(v);
console.log(
  JSON.stringify(
    {
      deals: dealCount,
      partners: partnerCount,
      store: store.kind,
      computeMs: round(computeMs),
      fullStep: {
        periodKpisPerPeriodMs: round(median(perPeriod)),
        periodKpisOnePassMs: round(median(onePass)),
        buildMs: round(median(build)),
        hashMs: round(median(hash)),
        firstWriteMs: round(firstWriteMs),
        unchangedWriteMs: round(median(unchanged)),
      },
      scopedStep: { subEngineMs: round(median(subMs)), readModelsMs: round(median(scopedMs)) },
    },
    null,
    2,
  ),
);
