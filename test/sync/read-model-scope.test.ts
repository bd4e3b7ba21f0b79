// Issue 21: a scoped run's read models equal a whole-account build. Random snapshots: the full
// read models of S1 are written; random CRM changes give S2 (and sometimes a later asOf in the
// same month); the engine runs over the sub-snapshot of the affected partners (AP, with every deal
// naming them), the deals in scope (DS) and the partners those deals name as context, and
// scopedReadModels brings the stored read models forward. Every stored period body, partner row
// (body, hash, filter columns, figures) and deal row must equal a fresh full build for S2 — on
// SQLite and PostgreSQL. The affected set here is the test's own (a superset is always right);
// production's selection belongs to the scoped run.

import { deepStrictEqual } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { PulledDeal, PulledPartner } from '../../src/domain/records.ts';
import { monthLabel, parsePeriod, previousPeriod, TimeZone, type Period } from '../../src/domain/time.ts';
import { monthlyAccs, periodAccs, periodAccsFromMonths } from '../../src/domain/engine.ts';
import { createRng, type Rng } from '../../src/sandbox/rng.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import {
  periodInputs,
  programFingerprint,
  readModelDealRows,
  readModelRows,
  storedPeriods,
} from '../../src/sync/read-model-build.ts';
import { lastDealByRecipe, scopedReadModels } from '../../src/sync/read-model-scope.ts';
import { computeForRun } from '../../src/sync/run-sync.ts';
import { randomDeal, randomPartner, type Twin } from './equivalence-harness.ts';
import { PROGRAM_YAML, storeTargets, testConfig } from './helpers.ts';

const DAY = 86_400_000;

const PROGRAMS = {
  'sourced, UTC': PROGRAM_YAML,
  // ROI costs, a retired and an anti recipe, last touch, New York
  'last touch, New York, costs': PROGRAM_YAML.replace('timezone: UTC', 'timezone: America/New_York')
    .replace('  health:', '  attribution: { model: last_touch }\n  health:')
    .replace('plan: monthly }', 'plan: monthly, monthlyCost: "250" }')
    .replace(
      '    comarketing:',
      '    old: { name: Old, archetype: referral, status: retired, plan: ref }\n    bad: { name: Bad, archetype: referral, status: anti, plan: ref, monthlyCost: "99.5" }\n    comarketing:',
    ),
};

type Partner = PulledPartner;
type Deal = PulledDeal;

interface World {
  partners: Map<string, Partner>;
  deals: Map<string, Deal>;
}

const pulledPartner = (p: Omit<Partner, 'written' | 'ownerId'>): Partner => ({ ...p, ownerId: null, written: {} });
const pulledDeal = (d: Omit<Deal, 'written' | 'ownerId'>): Deal => ({ ...d, ownerId: null, written: {} });

/** Partner ids a deal names: source, registration, touches. */
function named(d: Deal | undefined): string[] {
  if (d === undefined) return [];
  return [
    ...(d.sourcePartnerId == null ? [] : [d.sourcePartnerId]),
    ...(d.registration?.partnerId == null ? [] : [d.registration.partnerId]),
    ...(d.touches ?? []).map((t) => t.partnerId),
  ];
}

function shell(w: World, recipes: readonly string[]): Twin {
  return { partners: [...w.partners.keys()], recipes, deals: [], nextId: 0 } as unknown as Twin;
}

/** Random CRM changes to a copy of the world; returns it and the ids changed. */
function changeWorld(
  r: Rng,
  w1: World,
  recipes: readonly string[],
  now: number,
  next: () => string,
): { w2: World; deals: Set<string>; partners: Set<string> } {
  const w2: World = { partners: new Map(w1.partners), deals: new Map(w1.deals) };
  const deals = new Set<string>();
  const partners = new Set<string>();
  const n = r.int(1, 5);
  for (let i = 0; i < n; i++) {
    const kind = r.weighted([
      ['createDeal', 3],
      ['updateDeal', 6],
      ['removeDeal', 1],
      ['createPartner', 1],
      ['updatePartner', 2],
      ['removePartner', 1],
    ] as const);
    const t = shell(w2, recipes);
    const dealIds = [...w2.deals.keys()];
    const partnerIds = [...w2.partners.keys()];
    if (kind === 'createDeal' || (dealIds.length === 0 && kind !== 'createPartner')) {
      const id = `d${next()}`;
      w2.deals.set(id, pulledDeal(randomDeal(r, t, id, now)));
      deals.add(id);
    } else if (kind === 'createPartner' || partnerIds.length === 0) {
      const id = `p${next()}`;
      w2.partners.set(id, pulledPartner(randomPartner(r, t, id, now)));
      partners.add(id);
    } else if (kind === 'removeDeal') {
      const id = r.pick(dealIds);
      w2.deals.delete(id);
      deals.add(id);
    } else if (kind === 'removePartner') {
      const id = r.pick(partnerIds);
      w2.partners.delete(id);
      partners.add(id);
    } else if (kind === 'updatePartner') {
      const id = r.pick(partnerIds);
      const fresh = randomPartner(r, t, id, now);
      const field = r.pick(['recipe', 'tier', 'onboardedAt', 'endedAt', 'ratings', 'name'] as const);
      w2.partners.set(id, { ...(w2.partners.get(id) as Partner), [field]: fresh[field] });
      partners.add(id);
    } else {
      const id = r.pick(dealIds);
      const fresh = randomDeal(r, t, id, now);
      const fields = r.pick([
        ['stage', 'closedAt'],
        ['amount'],
        ['closedAt'],
        ['createdAt'],
        ['sourcePartnerId'],
        ['touches'],
        ['registration'],
        ['currency', 'amount'],
        ['recipe'],
        ['customerId'],
      ] as const);
      const patch: Partial<Deal> = {};
      for (const f of fields) Object.assign(patch, { [f]: fresh[f] });
      w2.deals.set(id, { ...(w2.deals.get(id) as Deal), ...patch });
      deals.add(id);
    }
  }
  return { w2, deals, partners };
}

/** Everything the read models of a build hold, by content (not the account, run or time). */
function fullInputs(config: LoadedConfig, w: World, asOf: number) {
  const program = config.program;
  const { out } = computeForRun(program, [...w.partners.values()], [...w.deals.values()], asOf);
  const names = new Map([...w.partners.values()].map((p) => [p.id, p.name ?? p.id]));
  const periods = periodInputs(readModelRows(program, out, names, asOf, storedPeriods(out.details.tz.monthOf(asOf))));
  return { periods, deals: readModelDealRows(out.details), out };
}

async function writeFull(
  store: KyselyStore,
  account: string,
  config: LoadedConfig,
  w: World,
  asOf: number,
): Promise<void> {
  const { periods, deals } = fullInputs(config, w, asOf);
  const lock = await store.lock(account, 0);
  try {
    const head = { runId: randomUUID(), asOf, fingerprint: programFingerprint(config.program) };
    await store.writeReadModels(lock.fence, head, periods, true, asOf, { deals });
  } finally {
    await lock.release();
  }
}

async function stored(store: KyselyStore, account: string) {
  const db = store.db;
  return {
    periods: (
      await db
        .selectFrom('read_model_periods')
        .select(['period', 'hash', 'body'])
        .where('account', '=', account)
        .orderBy('period')
        .execute()
    ).map((r) => ({ ...r, body: JSON.parse(r.body) as unknown })),
    partners: (
      await db
        .selectFrom('read_model_partners')
        .selectAll()
        .where('account', '=', account)
        .orderBy('period')
        .orderBy('partner_id')
        .execute()
    ).map(({ account: _a, ...r }) => ({ ...r, body: JSON.parse(r.body) as unknown })),
    deals: (
      await db.selectFrom('read_model_deals').selectAll().where('account', '=', account).orderBy('deal_id').execute()
    ).map(({ account: _a, ...r }) => r),
  };
}

/** The partner figures and deal rows of one build, to find what time alone changed (test oracle). */
function rowsByKey(config: LoadedConfig, w: World, asOf: number) {
  const { periods, deals, out } = fullInputs(config, w, asOf);
  const partners = new Map<string, string>();
  for (const p of periods) for (const r of p.partners) partners.set(`${r.id}\u0000${p.period}`, r.hash);
  const accepted = new Set(out.details.deals.map((d) => d.id));
  return {
    partners,
    deals: new Map(deals.map((d) => [d.id, JSON.stringify({ ...d, amount: String(d.amount) })])),
    accepted,
  };
}

/**
 * The affected set: changed and removed partners, partners the changed deals name (before and
 * after), partners named by a deal that names a changed partner (its attribution changes with
 * that partner's existence), partners and deals whose rows time alone changed; DS: every S2 deal
 * naming an AP partner, the changed deals, their customer mates.
 */
function affected(
  w1: World,
  w2: World,
  changed: { deals: Set<string>; partners: Set<string> },
  timeMoved: { partners: Set<string>; deals: Set<string> },
) {
  const ap = new Set<string>([...changed.partners, ...timeMoved.partners]);
  for (const id of changed.deals) for (const p of [...named(w1.deals.get(id)), ...named(w2.deals.get(id))]) ap.add(p);
  for (const w of [w1, w2])
    for (const d of w.deals.values()) {
      const ids = named(d);
      if (ids.some((p) => changed.partners.has(p))) for (const p of ids) ap.add(p);
    }
  const removedPartners = [...w1.partners.keys()].filter((id) => !w2.partners.has(id));
  // deals naming a partner that is gone are in scope too (their attribution and recipe change)
  const naming = new Set(ap);
  for (const id of [...ap]) if (!w2.partners.has(id)) ap.delete(id);
  const removedDeals = [...w1.deals.keys()].filter((id) => !w2.deals.has(id));
  const ds = new Set<string>();
  const customers = new Set<string>();
  for (const id of [...changed.deals, ...timeMoved.deals]) {
    const d = w2.deals.get(id);
    if (d === undefined) continue;
    ds.add(id);
    if (d.customerId != null) customers.add(d.customerId);
  }
  for (const d of w2.deals.values()) {
    if (named(d).some((p) => naming.has(p))) ds.add(d.id);
    if (d.customerId != null && customers.has(d.customerId)) ds.add(d.id);
  }
  const context = new Set<string>();
  for (const id of ds) for (const p of named(w2.deals.get(id))) if (!ap.has(p) && w2.partners.has(p)) context.add(p);
  return { ap, ds, context, removedPartners, removedDeals };
}

describe('the read-model periods accumulated in one pass', () => {
  it.each(Object.entries(PROGRAMS))('equal each period accumulated on its own (%s)', (_name, yaml) => {
    const program = testConfig(yaml).program;
    const recipes = [...program.recipes.keys()];
    const tz = new TimeZone(program.timezone);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const r = createRng(seed);
        // instants on month starts and DST changes, times to the second
        const asOf =
          tz.monthStart(tz.monthOf(Date.parse('2026-01-01T00:00:00Z')) + r.int(0, 14)) + r.int(-2, 40) * 3_600_000;
        const w: World = { partners: new Map(), deals: new Map() };
        for (let i = 0; i < r.int(1, 6); i++)
          w.partners.set(`p${i}`, pulledPartner(randomPartner(r, shell(w, recipes), `p${i}`, asOf)));
        for (let i = 0; i < r.int(0, 40); i++) {
          const d = pulledDeal(randomDeal(r, shell(w, recipes), `d${i}`, asOf));
          if (r.chance(0.3) && d.closedAt != null) {
            // a close exactly on a month start of the program time zone
            const m = tz.monthOf(Date.parse(d.closedAt));
            d.closedAt = new Date(tz.monthStart(m)).toISOString();
          }
          w.deals.set(d.id, d);
        }
        const { out } = computeForRun(program, [...w.partners.values()], [...w.deals.values()], asOf);
        const month = tz.monthOf(asOf);
        const periods = [...storedPeriods(month), parsePeriod(monthLabel(month).slice(0, 4)) as Period];
        const quarter = periods.find((p) => p.kind === 'quarter') as Period;
        const spans = periods.flatMap((p) => [p, previousPeriod(p)]);
        const first = Math.min(...spans.map((p) => p.firstMonth));
        const months = Math.max(...spans.map((p) => p.firstMonth + p.months)) - first;
        const monthly = monthlyAccs(program, out.details, asOf, first, months);
        for (const p of [...periods, quarter])
          deepStrictEqual(periodAccsFromMonths(out.details, monthly, p), periodAccs(program, out.details, asOf, p));
      }),
      { numRuns: 60 },
    );
  });
});

describe.each(storeTargets())('scoped read models on $name', (target) => {
  let store: KyselyStore;
  beforeAll(async () => {
    store = await openStore(target.url());
  });
  afterAll(async () => {
    await store.close();
  });

  it.each(Object.entries(PROGRAMS))(
    'equal a full build after random changes (%s)',
    { timeout: 300_000 },
    async (_name, yaml) => {
      const config = testConfig(yaml);
      const program = config.program;
      const recipes = [...program.recipes.keys()];
      const tz = new TimeZone(program.timezone);
      let scoped = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
          const r = createRng(seed);
          let id = 0;
          const next = (): string => String(100 + id++);
          // asOf early enough in its month that a later asOf may stay in it
          const month = tz.monthOf(Date.parse('2026-02-01T00:00:00Z')) + r.int(0, 4);
          const t1 = tz.monthStart(month) + r.int(0, 12) * DAY + r.int(0, 86_399) * 1000;
          const w1: World = { partners: new Map(), deals: new Map() };
          for (let i = 0; i < r.int(2, 6); i++) {
            const p = pulledPartner(randomPartner(r, shell(w1, recipes), `p${i}`, t1));
            w1.partners.set(p.id, p);
          }
          for (let i = 0; i < r.int(4, 18); i++) {
            const d = pulledDeal(randomDeal(r, shell(w1, recipes), `d${i}`, t1));
            w1.deals.set(d.id, d);
          }
          const accountScoped = `rs-scoped-${randomUUID()}`;
          const accountFull = `rs-full-${randomUUID()}`;
          await writeFull(store, accountScoped, config, w1, t1);
          // one to three scoped runs in a row, each compared with a full build of its snapshot
          let prev = { w: w1, t: t1 };
          for (let step = r.int(1, 3); step > 0; step--) {
            const changed = changeWorld(r, prev.w, recipes, prev.t, next);
            const w2 = changed.w2;
            // sometimes a later asOf in the same month: what time alone changes joins the affected set
            const t2 = r.chance(0.4)
              ? Math.min(prev.t + r.int(0, 10 * 24) * 3_600_000, tz.monthStart(month + 1) - 1000)
              : prev.t;
            const timeMoved = { partners: new Set<string>(), deals: new Set<string>() };
            if (t2 !== prev.t) {
              const before = rowsByKey(config, prev.w, prev.t);
              const after = rowsByKey(config, prev.w, t2);
              for (const [key, hash] of after.partners)
                if (before.partners.get(key) !== hash) timeMoved.partners.add(key.split('\u0000')[0] as string);
              for (const [key] of before.partners)
                if (!after.partners.has(key)) timeMoved.partners.add(key.split('\u0000')[0] as string);
              for (const d of prev.w.deals.keys())
                if (before.deals.get(d) !== after.deals.get(d) || before.accepted.has(d) !== after.accepted.has(d))
                  timeMoved.deals.add(d);
            }
            const a = affected(prev.w, w2, changed, timeMoved);
            await writeFull(store, accountFull, config, w2, t2);

            // the scoped run: the engine over the sub-snapshot, then the read models brought forward
            const subPartners = [...w2.partners.values()].filter((p) => a.ap.has(p.id) || a.context.has(p.id));
            const subDeals = [...w2.deals.values()].filter((d) => a.ds.has(d.id));
            const { out: sub } = computeForRun(program, subPartners, subDeals, t2);
            const lock = await store.lock(accountScoped, 0);
            try {
              // RECIPE_UNUSED's input for a scoped run, before the write: the whole account's last deals
              const last = await lastDealByRecipe(
                store,
                accountScoped,
                program,
                new Set([...a.ds, ...a.removedDeals]),
                readModelDealRows(sub.details, a.ds),
              );
              const full = fullInputs(config, w2, t2).out;
              const expected = new Map<string, number>();
              for (const d of full.details.deals) {
                const rec = d.recipe ?? full.details.partners[d.source]?.recipe ?? null;
                if (rec !== null && d.created > (expected.get(rec.id) ?? -Infinity)) expected.set(rec.id, d.created);
              }
              deepStrictEqual(last, expected);

              const written = await scopedReadModels({
                store,
                fence: lock.fence,
                program,
                head: { runId: randomUUID(), asOf: t2, fingerprint: programFingerprint(program) },
                asOf: t2,
                sub,
                partners: a.ap,
                deals: a.ds,
                removedPartners: a.removedPartners,
                removedDeals: a.removedDeals,
                names: new Map(subPartners.map((p) => [p.id, p.name ?? p.id])),
                at: t2,
              });
              expect(written).not.toBeNull();
              scoped++;
            } finally {
              await lock.release();
            }
            deepStrictEqual(await stored(store, accountScoped), await stored(store, accountFull));
            prev = { w: w2, t: t2 };
          }
          const head = await store.readModelHead(accountScoped);
          expect(head).toMatchObject({ asOf: prev.t, scopable: true });
        }),
        { numRuns: target.name === 'sqlite' ? 40 : 12 },
      );
      expect(scoped).toBeGreaterThan(0);
    },
  );

  it('refuses to bring forward read models it cannot: no head, another month, another program, rows without figures', async () => {
    const config = testConfig();
    const program = config.program;
    const tz = new TimeZone(program.timezone);
    const r = createRng(7);
    const t1 = Date.parse('2026-03-10T12:00:00Z');
    const w: World = { partners: new Map(), deals: new Map() };
    for (let i = 0; i < 3; i++)
      w.partners.set(`p${i}`, pulledPartner(randomPartner(r, shell(w, ['referral']), `p${i}`, t1)));
    for (let i = 0; i < 6; i++) {
      const d = pulledDeal(randomDeal(r, shell(w, ['referral']), `d${i}`, t1));
      w.deals.set(d.id, d);
    }
    const account = `rs-refuse-${randomUUID()}`;
    const { out: sub } = computeForRun(program, [...w.partners.values()], [...w.deals.values()], t1);
    const attempt = async (asOf: number, p = program) => {
      const lock = await store.lock(account, 0);
      try {
        return await scopedReadModels({
          store,
          fence: lock.fence,
          program: p,
          head: { runId: randomUUID(), asOf, fingerprint: programFingerprint(p) },
          asOf,
          sub,
          partners: new Set(['p0']),
          deals: new Set(['d0']),
          removedPartners: [],
          removedDeals: [],
          names: new Map(),
          at: asOf,
        });
      } finally {
        await lock.release();
      }
    };
    expect(await attempt(t1)).toBeNull(); // no head yet
    await writeFull(store, account, config, w, t1);
    expect(await attempt(tz.monthStart(tz.monthOf(t1) + 1) + 1000)).toBeNull(); // the next month
    const other = testConfig(PROGRAM_YAML.replace('rateBps: 1000', 'rateBps: 1100')).program;
    expect(await attempt(t1, other)).toBeNull(); // another program config
    // rows written without figures (a full build before migration 015): not scopable
    const lock = await store.lock(account, 0);
    try {
      const { periods } = fullInputs(config, w, t1);
      await store.writeReadModels(
        lock.fence,
        { runId: randomUUID(), asOf: t1, fingerprint: programFingerprint(program) },
        periods.map((p) => ({ ...p, partners: p.partners.map(({ figures: _f, ...row }) => row) })),
        true,
        t1,
      );
    } finally {
      await lock.release();
    }
    expect((await store.readModelHead(account))?.scopable).toBe(false);
    expect(await attempt(t1)).toBeNull();
    // a full build with figures makes it scopable again
    await writeFull(store, account, config, w, t1);
    expect(await attempt(t1)).not.toBeNull();
  });
});
