// `npm run test:reliability` (issue 8): does partnersync lose or duplicate anything under CRM
// faults, crashes, concurrent runs and bad input? On SQLite, and on PostgreSQL too when
// PARTNERSYNC_TEST_DATABASE_URL is set (required when CI=true, as for the store tests).
//
//   npm run test:reliability                   small size (CI): 24 kills per store, about a minute
//   npm run test:reliability -- --size large   more deals, cycles and kills (manual)
//   options: --seed N (kill moments), --store sqlite|postgres, --crm hubspot|salesforce
//
// For each CRM and store: a clean reference run of the scenario (scenario.ts), then
//  - faults:   the same scenario on a sandbox injecting 10% 429, 5% 500, 2% timeouts and 10% slow
//              answers; each sync repeated until one succeeds; state compared after every cycle
//              (small size: the adapters' retry waits capped at 100 ms; large: their own);
//  - kills:    each cycle's sync process SIGKILLed at a random (seeded) moment of its run, then a
//              normal run; state compared after every cycle;
//  - two syncs started together (refused, then with --wait): one clean run's state;
//  - lock lost: a sync process's lock taken from it mid-step (PostgreSQL: its lock session
//    terminated; SQLite: its lock file removed) while a second sync runs: the first stops with
//    "lost the account", the state equals a clean run's (issue 16);
//  - bad input (bad-input.ts): every case checked explicitly.
// Prints its figures and ends with `reliability: trials=N faults=N identical=N lost=N duplicates=N`.
// Exit code 1 when anything was lost, duplicated, different or unexpected.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { configCorpus, missingCurrencyCase, recordCorpus, type CaseResult } from './bad-input.ts';
import { addTally, cleanReference, emptyTally, SIZES, type Reference } from './scenario.ts';
import { concurrencyTrials, faultTrials, killTrials, lockLossTrials, FAULT_SPEC } from './trials.ts';
import { World, type Crm, type StoreKind, type Suite } from './world.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    seed: { type: 'string', default: '8' },
    store: { type: 'string' },
    crm: { type: 'string' },
  },
});

const MIN_KILLS = 20;
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function storeTargets(): StoreKind[] {
  // Only the harness reads the environment here: which database the suite may use.
  const pg = process.env['PARTNERSYNC_TEST_DATABASE_URL'];
  if (pg === undefined && process.env['CI'] === 'true') {
    throw new Error(
      'CI=true but PARTNERSYNC_TEST_DATABASE_URL is not set: the reliability suite must run on PostgreSQL in CI (.ci/postgres.sh prints the URL)',
    );
  }
  const all: StoreKind[] = pg === undefined ? ['sqlite'] : ['sqlite', 'postgres'];
  return values.store === undefined ? all : all.filter((s) => s === values.store);
}

async function main(): Promise<number> {
  const t0 = performance.now();
  if (values.size !== 'small' && values.size !== 'large') throw new Error('--size must be small or large');
  const size = SIZES[values.size];
  const now = Math.floor(Date.now() / 1000) * 1000;
  const suite: Suite = {
    asOf: now,
    anchor: `${new Date(now).toISOString().slice(0, 10)}T00:00:00.000Z`,
    postgresUrl: process.env['PARTNERSYNC_TEST_DATABASE_URL'],
  };
  const stores = storeTargets();
  const crms: Crm[] = values.crm === undefined ? ['hubspot', 'salesforce'] : [values.crm as Crm];
  const seed = Number(values.seed);
  print(
    `reliability suite, size ${size.name} (${size.partners} partners, ${size.deals} deals, ${size.mutations} deals changed per cycle), stores: ${stores.join(', ')}, as of ${new Date(suite.asOf).toISOString()}`,
  );
  print(`faults: ${FAULT_SPEC}`);

  const total = emptyTally();
  let kills = 0;
  const cases: CaseResult[] = [];

  // One clean reference per CRM (on SQLite); every store's trials are compared with it.
  const references = new Map<Crm, Reference>();
  for (const crm of crms) {
    const cycles = Math.max(size.faultCycles, size.killCycles);
    const world = await World.create(suite, { crm, store: 'sqlite', partners: size.partners, deals: size.deals });
    try {
      await world.provision();
      const t = performance.now();
      references.set(crm, await cleanReference(world, size, cycles));
      print(`\n${crm}: clean reference, ${cycles} cycles in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } finally {
      await world.close();
    }
  }

  for (const store of stores) {
    // Fault trials mostly wait (retries, Retry-After): they run beside the other trials of the store.
    const faultRuns = crms.map(async (crm) => {
      const reference = references.get(crm);
      if (reference === undefined) return [];
      const lines: string[] = [];
      const t = performance.now();
      // Small (CI): retry waits capped at 100 ms; large: the adapters' own backoff.
      const faults = await faultTrials(
        { crm, suite, size },
        store,
        reference,
        (line) => {
          lines.push(line);
        },
        size.name === 'small',
      );
      lines.push(
        `${crm} on ${store} — faults: ${faults.trials} cycles, ${faults.runs} runs (${faults.unfinishedRuns} failed or stopped and were run again), injected ${JSON.stringify(faults.faultsByKind)}; identical ${faults.identical}/${faults.trials}, lost ${faults.lost}, duplicates ${faults.duplicates} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
      addTally(total, faults);
      return lines;
    });
    const others = (async () => {
      const lines: string[] = [];
      for (const crm of crms) {
        const reference = references.get(crm);
        if (reference === undefined) continue;
        const setup = { crm, suite, size };
        const label = `${crm} on ${store}`;
        let t = performance.now();
        const killed = await killTrials(
          setup,
          store,
          reference,
          seed + (store === 'postgres' ? 1000 : 0) + (crm === 'salesforce' ? 100 : 0),
        );
        kills += killed.kills;
        lines.push(
          `${label} — kills: ${killed.trials} cycles, ${killed.kills} SIGKILLs (by step begun: ${Object.entries(
            killed.byStep,
          )
            .map(([k, n]) => `${k} ${n}`)
            .join(
              ', ',
            )}; ${killed.missedKills} processes finished first and the cycle tried again), ${killed.resumedPulls} pulls resumed from a checkpoint; identical ${killed.identical}/${killed.trials}, lost ${killed.lost}, duplicates ${killed.duplicates} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
        addTally(total, killed);

        t = performance.now();
        const together = await concurrencyTrials(setup, store, reference);
        lines.push(
          `${label} — two syncs at once: ${together.refused} refused, ${together.waited} waited then found nothing to do; identical ${together.identical}/${together.trials}, lost ${together.lost}, duplicates ${together.duplicates} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
        addTally(total, together);

        t = performance.now();
        const lockLoss = await lockLossTrials(setup, store, reference);
        lines.push(
          `${label} — lock lost: ${lockLoss.trials} trials, ${lockLoss.stopped} runs stopped with "lost the account", ${lockLoss.finishedFirst} had finished their fenced work first; identical ${lockLoss.identical}/${lockLoss.trials}, lost ${lockLoss.lost}, duplicates ${lockLoss.duplicates} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
        addTally(total, lockLoss);

        t = performance.now();
        // Records created now must not be in the future of the run: this world computes a minute ahead.
        const later = { ...suite, asOf: Math.floor((Date.now() + 60_000) / 1000) * 1000 };
        const records = await recordCorpus(later, store, crm);
        if (crm === 'hubspot') records.push(await missingCurrencyCase(later, store));
        cases.push(...records.map((c) => ({ ...c, name: `${store}: ${c.name}` })));
        lines.push(
          `${label} — bad records: ${records.filter((c) => c.passed).length}/${records.length} as expected (${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
      }
      return lines;
    })();
    const [faultLines, otherLines] = await Promise.all([Promise.all(faultRuns), others]);
    print('');
    for (const line of [...faultLines.flat(), ...otherLines]) print(line);
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-rel-config-'));
  try {
    cases.push(...(await configCorpus(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  print('\nbad input:');
  for (const c of cases) print(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.outcome}`);
  const badFailed = cases.filter((c) => !c.passed);
  print(
    `bad input: cases=${cases.length} as-expected=${cases.length - badFailed.length} crashes=${cases.filter((c) => c.outcome.startsWith('crashed')).length} silent-drops=${cases.filter((c) => c.outcome.includes('silently dropped')).length}`,
  );

  if (total.failures.length > 0) {
    print('\ndifferences from the clean run:');
    for (const f of total.failures.slice(0, 40)) print(`  ${f}`);
  }
  if (kills < MIN_KILLS * stores.length && values.crm === undefined)
    print(`\nonly ${kills} SIGKILLs landed (at least ${MIN_KILLS} per store wanted)`);
  print(
    `\n(${((performance.now() - t0) / 1000).toFixed(1)} s; trials = comparisons with the clean run after a fault cycle, a kill cycle or two syncs started together; faults = injected CRM faults + SIGKILLs; identical = trials whose ledger, CRM values and tasks per episode equal the clean run's; lost / duplicates = ledger entries, CRM values and tasks missing / extra)`,
  );
  print(
    `reliability: trials=${total.trials} faults=${total.faults} identical=${total.identical} lost=${total.lost} duplicates=${total.duplicates}`,
  );
  const ok =
    total.failures.length === 0 &&
    total.identical === total.trials &&
    badFailed.length === 0 &&
    (values.crm !== undefined || kills >= MIN_KILLS * stores.length);
  return ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  print(`reliability suite failed to run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
