// The write-back planned, recorded and sent a part at a time (issue 21 memory): the CRM receives
// the batches one whole plan gives, in the same order, and the records end with the same values,
// whatever the part size; each part's intents are recorded before it is sent.

import { describe, expect, it } from 'vitest';
import { planWriteBack, planWriteBackParts } from '../../src/sync/write-back.ts';
import { computeForRun, runSync } from '../../src/sync/run-sync.ts';
import type { FaultPoint } from '../../src/sync/deps.ts';
import { deal, makeWorld, partner, seedCrm, storeTargets, testConfig, PROGRAM_YAML } from './helpers.ts';

const AS_OF = Date.parse('2026-03-20T12:00:00Z');

/** seedCrm's program and 23 more deals of three partners, so a write-back has parts to cut. */
function seedMore(w: Awaited<ReturnType<typeof makeWorld>>): void {
  seedCrm(w.crm);
  for (let i = 0; i < 23; i++)
    w.crm.upsertDeal(
      deal(`e${String(i).padStart(2, '0')}`, {
        amount: `${1000 + i * 37}.00`,
        sourcePartnerId: ['p1', 'p2', 'p3'][i % 3] ?? null,
        closedAt: `2026-03-${String(1 + (i % 18)).padStart(2, '0')}T00:00:00Z`,
        ...(i % 4 === 0 ? { stage: 'open', closedAt: null } : {}),
      }),
    );
}

describe('planWriteBackParts', () => {
  it('gives planWriteBack part by part, for every part size', () => {
    const program = testConfig().program;
    const partners = [partner('p1', { written: { alertCount: '0' } }), partner('p2'), partner('p3')];
    const deals = Array.from({ length: 9 }, (_, i) =>
      deal(`d${i}`, {
        amount: `${500 * (i + 1)}.00`,
        sourcePartnerId: i % 2 === 0 ? 'p1' : 'p2',
        written: i === 3 ? { commissionAmount: '200.00' } : {},
      }),
    );
    const { out, expire } = computeForRun(program, partners, deals, AS_OF);
    const input = {
      program,
      out,
      asOf: AS_OF,
      alerts: out.result.alerts,
      expire,
      partners: new Map(partners.map((p) => [p.id, p])),
      deals: new Map(deals.filter((d) => d.id !== 'd5').map((d) => [d.id, d])),
    };
    const whole = planWriteBack(input);
    expect(whole.deals.length).toBeGreaterThan(4);
    expect(whole.partners.length).toBeGreaterThan(0);
    for (const size of [1, 2, 3, 4, 8, 9, 50]) {
      const parts = [...planWriteBackParts(input, size)];
      expect(parts[0]?.deals).toEqual([]);
      expect(parts.slice(1).every((p) => p.partners.length === 0 && p.deals.length <= size)).toBe(true);
      expect(parts.length).toBe(1 + Math.ceil(out.details.deals.length / size));
      expect({ partners: parts.flatMap((p) => p.partners), deals: parts.flatMap((p) => p.deals) }).toEqual(whole);
    }
  });
});

describe.each(storeTargets())('write-back in parts on $name', (target) => {
  it('sends the batches of one whole plan, recording each part before sending it', async () => {
    const config = testConfig(PROGRAM_YAML, { writeBatchSize: 2 });
    const worlds = await Promise.all([makeWorld(target, { config }), makeWorld(target, { config })]);
    const [whole, parts] = worlds;
    parts.deps.writePart = 3;
    const intents = new Map<unknown, number>();
    for (const w of worlds) {
      seedMore(w);
      w.deps.faults = (point: FaultPoint) => {
        if (point === 'after-write-intents') intents.set(w, (intents.get(w) ?? 0) + 1);
      };
    }
    try {
      const results = [await runSync(whole.deps), await runSync(parts.deps)];
      for (const r of results) expect(r.status).toBe('succeeded');
      const [a, b] = results as [(typeof results)[number], (typeof results)[number]];
      expect(b.report.writeBack).toEqual(a.report.writeBack);
      expect(a.report.writeBack.deals).toBeGreaterThan(20);
      // the same batches in the same order (batches of 2: the parts are cut at whole batches)
      expect(parts.crm.writeLog).toEqual(whole.crm.writeLog);
      expect(parts.crm.writtenState()).toEqual(whole.crm.writtenState());
      expect(intents.get(whole)).toBe(1);
      expect(intents.get(parts)).toBeGreaterThan(5);
      // an unchanged re-run writes nothing in either
      const again = [await runSync(whole.deps), await runSync(parts.deps)];
      for (const r of again) expect(r.report.writeBack.deals + r.report.writeBack.partners).toBe(0);
    } finally {
      for (const w of worlds) await w.store.close();
    }
  });
});
