// Crash injection at every step boundary of a sync: after each crash the next run finishes the
// job, and the ledger, the CRM fields and the tasks equal a crash-free run's.

import { describe, expect, it } from 'vitest';
import { FAULT_POINTS, SimulatedCrash, type FaultPoint } from '../../src/sync/deps.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, seedCrm, storeTargets, type World } from './helpers.ts';

interface Outcome {
  ledger: string[];
  crm: ReturnType<World['crm']['writtenState']>;
  tasksPerEpisode: number[];
  taskCount: number;
  openAlerts: string[];
}

async function outcome(w: World): Promise<Outcome> {
  const ledger = (await w.store.ledgerEntries(w.crm.account, {}))
    .map((e) => `${e.key} ${e.kind} ${e.period} ${e.amount}`)
    .sort();
  const perMarker = new Map<string, number>();
  for (const t of w.crm.tasks) perMarker.set(t.marker, (perMarker.get(t.marker) ?? 0) + 1);
  const outbox = await w.store.tasks(w.crm.account);
  expect(outbox.every((t) => t.status === 'created')).toBe(true);
  return {
    ledger,
    crm: w.crm.writtenState(),
    tasksPerEpisode: [...perMarker.values()],
    taskCount: w.crm.tasks.length,
    openAlerts: (await w.store.openEpisodes(w.crm.account)).map((e) => e.alertKey).sort(),
  };
}

/** Two runs with CRM changes in between (postings, clawbacks, writes and tasks in both). */
async function scenario(w: World, crashAt: { point: FaultPoint; count: number } | null): Promise<void> {
  const crashOnce = (): void => {
    let armed = crashAt !== null;
    w.deps.faults = (point, { count }) => {
      if (armed && crashAt?.point === point && crashAt.count === count) {
        armed = false;
        throw new SimulatedCrash(point);
      }
    };
  };
  const runUntilDone = async (): Promise<void> => {
    crashOnce();
    try {
      await runSync(w.deps);
    } catch (err) {
      if (!(err instanceof SimulatedCrash)) throw err;
      w.deps.faults = undefined;
      const again = await runSync(w.deps);
      expect(again.status).toBe('succeeded');
      expect(again.report.abandonedRuns).toBe(1);
    }
  };
  seedCrm(w.crm);
  await runUntilDone();
  w.clock.set('2026-03-27T12:00:00Z');
  w.crm.updateDeal('d1', { amount: '12000.00' });
  w.crm.updateDeal('d2', { stage: 'lost', closedAt: '2026-03-25T00:00:00Z' });
  w.crm.upsertDeal(deal('d9', { sourcePartnerId: 'p2', closedAt: '2026-03-26T00:00:00Z', amount: '8000.00' }));
  w.crm.updatePartner('p3', { ratings: { communication: 1, alignment: 1, trust: 1, ease: 1, potential: 1 } });
  await runUntilDone();
}

describe.each(storeTargets())('crash recovery on $name', (target) => {
  let reference: Outcome | null = null;
  const referenceOutcome = async (): Promise<Outcome> => {
    if (reference === null) {
      const w = await makeWorld(target);
      await scenario(w, null);
      reference = await outcome(w);
      await w.store.close();
    }
    return reference;
  };

  it('a crash-free run posts, writes and creates tasks once each', async () => {
    const ref = await referenceOutcome();
    expect(ref.ledger.length).toBeGreaterThan(5);
    expect(ref.ledger.some((l) => l.includes(' clawback '))).toBe(true);
    expect(ref.taskCount).toBeGreaterThan(0);
    expect(ref.tasksPerEpisode.every((n) => n === 1)).toBe(true);
  });

  const points: { point: FaultPoint; count: number }[] = FAULT_POINTS.flatMap(
    (point): { point: FaultPoint; count: number }[] =>
      point === 'after-page' ? [1, 2, 3].map((count) => ({ point, count })) : [{ point, count: 1 }],
  );

  it.each(points)('crash at $point #$count: the next run finishes the job', async ({ point, count }) => {
    const ref = await referenceOutcome();
    const w = await makeWorld(target);
    await scenario(w, { point, count });
    const got = await outcome(w);
    expect(got.ledger).toEqual(ref.ledger);
    expect(got.crm).toEqual(ref.crm);
    expect(got.taskCount).toBe(ref.taskCount);
    expect(got.tasksPerEpisode.every((n) => n === 1)).toBe(true);
    expect(got.openAlerts).toEqual(ref.openAlerts);
    await w.store.close();
  });
});
