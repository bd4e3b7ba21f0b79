// Builders for engine tests: programs go through the real config schema (so defaults apply
// exactly as for a user's file), snapshots are written inline.

import { programSchema, normaliseProgram } from '../../src/config/program-schema.ts';
import { prepareProgram, type Program } from '../../src/domain/program.ts';
import type { SnapshotDeal, SnapshotPartner } from '../../src/domain/snapshot.ts';
import { computeProgram, type ComputeResult } from '../../src/domain/engine.ts';
import { parsePeriod } from '../../src/domain/time.ts';

export function makeProgram(program: Record<string, unknown>): Program {
  return prepareProgram(normaliseProgram(programSchema.parse({ currency: 'USD', ...program })));
}

export function partner(id: string, extra: Partial<SnapshotPartner> = {}): SnapshotPartner {
  return {
    id,
    name: `Partner ${id}`,
    recipe: null,
    tier: null,
    onboardedAt: '2025-01-01T00:00:00Z',
    endedAt: null,
    ratings: {},
    fit: {},
    ...extra,
  };
}

export function deal(id: string, extra: Partial<SnapshotDeal> = {}): SnapshotDeal {
  return {
    id,
    name: `Deal ${id}`,
    amount: '1000.00',
    currency: 'USD',
    stage: 'won',
    createdAt: '2026-01-01T00:00:00Z',
    closedAt: '2026-02-01T00:00:00Z',
    customerId: null,
    recipe: null,
    sourcePartnerId: null,
    registration: null,
    touches: [],
    ...extra,
  };
}

export function run(
  program: Program,
  partners: SnapshotPartner[],
  deals: SnapshotDeal[],
  asOf = '2026-03-15T00:00:00Z',
  period?: string,
): ComputeResult {
  const p = period === undefined ? undefined : (parsePeriod(period) ?? undefined);
  return computeProgram(program, { partners, deals }, { asOf: Date.parse(asOf), period: p });
}

/** Attribution amounts of one deal, as `partnerId=amount` in touch order. */
export function split(result: ComputeResult, dealId: string): string[] {
  return result.attribution.filter((a) => a.dealId === dealId).map((a) => `${a.partnerId}=${a.amount}`);
}

export function alertKeys(result: ComputeResult): string[] {
  return result.alerts.map((a) => [a.code, a.partnerId ?? '-', a.dealId ?? '-', a.recipe ?? '-'].join(' '));
}
