// The comparison trials: fault injection, SIGKILLs at random moments, and two syncs started
// together. Each ends with the world's state compared with the clean run's (outcome.ts).

import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createRng } from '../../src/sandbox/rng.ts';
import { emptyTally, judge, outcome, type CrmSetup, type Reference, type TrialTally } from './scenario.ts';
import { World, type StoreKind } from './world.ts';

/**
 * 10% 429, 5% 500, 2% timeouts (the request hangs, then its connection is dropped without an
 * answer), 10% slow answers. Timeouts hang 1.5 s instead of the sandbox's default 30 s so the
 * suite stays short; a dropped connection is what a client sees either way.
 */
export const FAULT_SPEC = '429:0.1,500:0.05,timeout:0.02@1500ms,slow:0.1@250ms';
const MAX_ATTEMPTS = 12;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Seeded: the kill moments are the same on every run of the suite (per seed). */
export function seededRandom(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

export interface FaultFigures extends TrialTally {
  runs: number;
  unfinishedRuns: number;
  faultsByKind: Record<string, number>;
}

/** The scenario on a sandbox that injects FAULT_SPEC; each sync is repeated until one succeeds. */
export async function faultTrials(
  setup: CrmSetup,
  store: StoreKind,
  reference: Reference,
  log: (line: string) => void,
  shortBackoff: boolean,
): Promise<FaultFigures> {
  const { crm, suite, size } = setup;
  const tally: FaultFigures = { ...emptyTally(), runs: 0, unfinishedRuns: 0, faultsByKind: {} };
  const world = await World.create(suite, {
    crm,
    store,
    partners: size.partners,
    deals: size.deals,
    faults: FAULT_SPEC,
  });
  try {
    await world.provision();
    for (let cycle = 0; cycle < size.faultCycles; cycle++) {
      if (cycle > 0) world.sandbox.state.mutate(size.mutations);
      const outcomes: string[] = [];
      for (let attempt = 1; ; attempt++) {
        tally.runs += 1;
        let status: string;
        try {
          const result = await world.syncHere({ shortBackoff });
          status =
            result.status === 'succeeded' && result.report.writeBack.failures.length > 0
              ? 'write failures'
              : result.status;
          if (status !== 'succeeded')
            status += `: ${result.report.error ?? JSON.stringify(result.report.writeBack.failures.slice(0, 2))}`;
        } catch (err) {
          status = `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
        }
        if (status === 'succeeded') break;
        tally.unfinishedRuns += 1;
        outcomes.push(status.slice(0, 160));
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(
            `${crm}/${store} fault cycle ${cycle}: no run succeeded in ${MAX_ATTEMPTS} attempts: ${outcomes.join(' | ')}`,
          );
      }
      if (outcomes.length > 0)
        log(
          `    ${crm}/${store} faults, cycle ${cycle}: ${outcomes.length} run(s) before success: ${outcomes.join(' | ')}`,
        );
      judge(tally, `${crm}/${store} faults, cycle ${cycle}`, reference.outcomes[cycle], await outcome(world));
    }
    const faults = world.sandbox.state.stats().faults;
    tally.faultsByKind = faults;
    tally.faults = Object.values(faults).reduce((s, n) => s + n, 0);
    return tally;
  } finally {
    await world.close();
  }
}

/** The steps of a run (runSync's progress), in order. */
export const STEPS = ['pull', 'compute', 'ledger', 'alerts', 'write-back', 'tasks'] as const;
const KILL_ATTEMPTS = 3;

export interface KillFigures extends TrialTally {
  kills: number;
  /** Processes that finished their sync before the kill moment (the cycle then tried again). */
  missedKills: number;
  /** Kills by the step the run had begun when it was killed. */
  byStep: Record<string, number>;
  resumedPulls: number;
}

/**
 * Each cycle: a sync process (sync-runner.ts, loaded beforehand and started on a signal) is
 * killed with SIGKILL at a random moment of its run, then a normal sync runs; the state must then
 * equal the clean run's after the same cycle. The moment comes in two parts, both from the seeded
 * stream: a step (the six steps in a shuffled order, round and round, so the short ledger,
 * write-back and task steps get their share of kills, not only the long pull), then a random delay
 * after that step begins. The next process loads while the normal sync runs.
 */
export async function killTrials(
  setup: CrmSetup,
  store: StoreKind,
  reference: Reference,
  seed: number,
): Promise<KillFigures> {
  const { crm, suite, size } = setup;
  const tally: KillFigures = { ...emptyTally(), kills: 0, missedKills: 0, byStep: {}, resumedPulls: 0 };
  const random = seededRandom(seed);
  const world = await World.create(suite, { crm, store, partners: size.partners, deals: size.deals });
  let next = null as ReturnType<World['spawnSync']> | null;
  try {
    await world.provision();
    next = world.spawnSync({ goOnStdin: true });
    // Every step gets its share of kills: the steps in a seeded order, round and round.
    const order = [...STEPS]
      .map((step) => ({ step, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.step);
    for (let cycle = 0; cycle < size.killCycles; cycle++) {
      if (cycle > 0) world.sandbox.state.mutate(size.mutations);
      let elapsed = 0;
      // A process that finishes before its kill moment ran a whole sync (nothing to undo): the
      // cycle tries again with a new moment, up to three times.
      for (let attempt = 0; attempt < KILL_ATTEMPTS; attempt++) {
        const running = next ?? world.spawnSync({ goOnStdin: true });
        next = null;
        await running.ready;
        // The pull is most of a run: a delay up to half the clean run's duration lands anywhere
        // in it; the other steps are short, so a few milliseconds after they begin.
        const step = order[(cycle + attempt) % order.length] ?? 'pull';
        const budget = reference.durationsMs[cycle] ?? reference.durationsMs.at(-1) ?? 1000;
        const delay = random() * (step === 'pull' ? budget / 2 : 10);
        const t0 = performance.now();
        running.go();
        const reached = await running.reached(step);
        if (reached && delay >= 1) await sleep(delay);
        running.child.kill('SIGKILL');
        elapsed = performance.now() - t0;
        const end = await running.done;
        // The next process loads (modules, store, adapter) while this cycle goes on.
        if (cycle + 1 < size.killCycles || end.signal !== 'SIGKILL') next = world.spawnSync({ goOnStdin: true });
        if (end.signal === 'SIGKILL') {
          tally.kills += 1;
          tally.faults += 1;
          const at = reached ? step : 'before its step';
          tally.byStep[at] = (tally.byStep[at] ?? 0) + 1;
          break;
        }
        tally.missedKills += 1;
        if (end.output?.status !== 'succeeded') {
          tally.failures.push(
            `${crm}/${store} kill cycle ${cycle}: the process ended by itself with ${end.output?.status ?? 'no result'}: ${end.output?.error ?? end.stderr.slice(0, 300)}`,
          );
        }
      }
      const normal = await world.syncHere();
      if (normal.status !== 'succeeded' || normal.report.writeBack.failures.length > 0) {
        tally.failures.push(
          `${crm}/${store} kill cycle ${cycle}: the run after the kill ${normal.status}: ${normal.report.error ?? JSON.stringify(normal.report.writeBack.failures.slice(0, 2))}`,
        );
      }
      if (normal.report.pull.resumed) tally.resumedPulls += 1;
      judge(
        tally,
        `${crm}/${store} kill cycle ${cycle} (after ${Math.round(elapsed)} ms)`,
        reference.outcomes[cycle],
        await outcome(world),
      );
    }
    return tally;
  } finally {
    next?.child.kill('SIGKILL');
    await next?.done;
    await world.close();
  }
}

export interface ConcurrencyFigures extends TrialTally {
  refused: number;
  waited: number;
}

/**
 * Two sync processes told to start at the same moment. Without waiting, one runs and the other
 * is refused (exit 1, "another sync holds the lock"); with `--wait`, the second runs after the
 * first and finds nothing to post or write. Either way the state equals one clean run's.
 */
export async function concurrencyTrials(
  setup: CrmSetup,
  store: StoreKind,
  reference: Reference,
): Promise<ConcurrencyFigures> {
  const { crm, suite, size } = setup;
  const tally: ConcurrencyFigures = { ...emptyTally(), refused: 0, waited: 0 };
  for (const wait of [undefined, 120] as const) {
    // Every answer 30 ms late: the first run surely still holds the lock when the second asks.
    const world = await World.create(suite, {
      crm,
      store,
      partners: size.partners,
      deals: size.deals,
      faults: 'slow:1@30ms',
    });
    try {
      await world.provision();
      const a = world.spawnSync(wait === undefined ? { goOnStdin: true } : { goOnStdin: true, wait });
      const b = world.spawnSync(wait === undefined ? { goOnStdin: true } : { goOnStdin: true, wait });
      await Promise.all([a.ready, b.ready]);
      a.go();
      b.go();
      const [ra, rb] = await Promise.all([a.done, b.done]);
      const label = `${crm}/${store} two syncs at once${wait === undefined ? '' : ` with --wait ${wait}`}`;
      const outputs = [ra.output, rb.output];
      const ok = outputs.filter((o) => o?.status === 'succeeded');
      const locked = outputs.filter(
        (o) => o?.status === 'locked' && o.exit === 1 && /another sync holds the lock/.test(o.error ?? ''),
      );
      if (wait === undefined) {
        if (ok.length !== 1 || locked.length !== 1)
          tally.failures.push(
            `${label}: expected one run and one refusal, got ${outputs.map((o) => `${o?.status ?? 'nothing'} (${o?.error ?? ''})`).join(' and ')}`,
          );
        else tally.refused += 1;
      } else {
        const second = ok.find((o) => o?.report?.pull.pages !== undefined && o.report.mode !== 'full');
        const posted =
          second?.report === undefined ? -1 : Object.values(second.report.ledger.posted).reduce((s, n) => s + n, 0);
        const written =
          second?.report === undefined
            ? -1
            : second.report.writeBack.partners + second.report.writeBack.deals + second.report.tasks.created;
        if (ok.length !== 2 || posted !== 0 || written !== 0)
          tally.failures.push(
            `${label}: expected both to run, the second posting and writing nothing; got ${outputs.map((o) => o?.status ?? 'nothing').join(', ')}, second posted ${posted}, wrote ${written}`,
          );
        else tally.waited += 1;
      }
      world.account = (await world.store.listAccounts())[0]?.account ?? '';
      judge(tally, label, reference.outcomes[0], await outcome(world));
    } finally {
      await world.close();
    }
  }
  return tally;
}

export interface LockLossFigures extends TrialTally {
  /** Runs that lost their lock and stopped with "lost the account". */
  stopped: number;
  /** Runs that had done all their fenced work before the lock was taken over (they succeed). */
  finishedFirst: number;
}

/** The steps a lock is lost in: the long pull, and the write-back (CRM writes, then bookkeeping). */
const LOSS_STEPS = ['pull', 'write-back'] as const;

/**
 * The account lock lost under a running sync (issue 16). A sync process runs on a slow sandbox;
 * when it begins a step, its lock is taken from it — PostgreSQL: its lock session is terminated
 * (pg_terminate_backend, as a server restart or a proxy would end it); SQLite: its lock file is
 * removed — and a second sync runs to the end in this process. The first must stop with
 * "lost the account" (or, had it already done all its fenced work, succeed), its exit code must
 * match its recorded status, and the state must equal one clean run's.
 */
export async function lockLossTrials(
  setup: CrmSetup,
  store: StoreKind,
  reference: Reference,
): Promise<LockLossFigures> {
  const { crm, suite, size } = setup;
  const tally: LockLossFigures = { ...emptyTally(), stopped: 0, finishedFirst: 0 };
  for (const step of LOSS_STEPS) {
    // Every answer 30 ms late: the first run is surely still at work when its lock goes.
    const world = await World.create(suite, {
      crm,
      store,
      partners: size.partners,
      deals: size.deals,
      faults: 'slow:1@30ms',
    });
    const label = `${crm}/${store} lock lost during ${step}`;
    try {
      await world.provision();
      // the write-back step writes only what changed: a first clean run, then changes, so the
      // run that loses its lock has values to write
      if (step === 'write-back') {
        const first = await world.syncHere();
        if (first.status !== 'succeeded') throw new Error(`${label}: the first run ${first.status}`);
        world.sandbox.state.mutate(size.mutations);
      }
      const running = world.spawnSync({ goOnStdin: true });
      await running.ready;
      running.go();
      if (!(await running.reached(step))) {
        const end = await running.done;
        tally.failures.push(
          `${label}: the run ended before its ${step} step: ${end.output?.error ?? end.stderr.slice(0, 300)}`,
        );
        continue;
      }
      await loseLock(world, store);
      tally.faults += 1;
      const second = await world.syncHere();
      const end = await running.done;
      const out = end.output;
      const lost = out?.status === 'failed' && /^lost the account/.test(out.error ?? '') && out.exit === 1;
      if (lost) tally.stopped += 1;
      else if (out?.status === 'succeeded' && out.exit === 0) tally.finishedFirst += 1;
      else
        tally.failures.push(
          `${label}: the run that lost its lock ended ${out?.status ?? 'without a result'} (exit ${String(out?.exit ?? end.code)}): ${out?.error ?? end.stderr.slice(0, 300)}`,
        );
      if (second.status !== 'succeeded' || second.report.writeBack.failures.length > 0)
        tally.failures.push(`${label}: the run that took over ${second.status}: ${second.report.error ?? ''}`);
      judge(tally, label, reference.outcomes[step === 'write-back' ? 1 : 0], await outcome(world));
    } finally {
      await world.close();
    }
  }
  if (tally.stopped === 0) tally.failures.push(`${crm}/${store} lock lost: no run stopped with "lost the account"`);
  return tally;
}

/** Takes the account lock away from the sync process of this world, as its database or an operator might. */
async function loseLock(world: World, store: StoreKind): Promise<void> {
  if (store === 'sqlite') {
    const files = readdirSync(world.dir).filter((f) => f.endsWith('.lock'));
    if (files.length === 0) throw new Error('no lock file to remove');
    for (const f of files) rmSync(path.join(world.dir, f));
    return;
  }
  const client = new pg.Client({ connectionString: world.config.config.store.url });
  await client.connect();
  try {
    // with a timeout, pg_terminate_backend returns once the session has ended
    const res = await client.query<{ ended: boolean }>(
      `select pg_terminate_backend(pid, 10000) as ended from pg_stat_activity
       where application_name = 'partnersync-lock' and datname = current_database()`,
    );
    if (res.rows.length !== 1 || res.rows[0]?.ended !== true)
      throw new Error(`expected one lock session to end, ended ${JSON.stringify(res.rows)}`);
  } finally {
    await client.end();
  }
}
