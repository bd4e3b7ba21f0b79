// The worker side of engine-pool.ts: computes KPIs with the pure engine (src/domain) on a
// structured clone of the inputs, so the service's event loop keeps answering meanwhile.

import { parentPort } from 'node:worker_threads';
import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { computeDetailed, computeResult } from '../domain/engine.ts';
import { prepareProgram, type ProgramConfig } from '../domain/program.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import type { Period } from '../domain/time.ts';
import { buildReadModels } from './read-model-build.ts';
import { buildPortalIndex, portalPartner } from './portal-model.ts';

/** The partner pages' figures of one partner (portal-model.ts) over its part of the account. */
export interface PortalRequest {
  id: number;
  kind: 'portal';
  programConfig: ProgramConfig;
  snapshot: Snapshot;
  asOf: number;
  partnerId: string;
}

export interface KpisRequest {
  id: number;
  /** kpis: the KPI fields of the result; model: the period's read model (read-model-build.ts). */
  kind: 'kpis' | 'model';
  programConfig: ProgramConfig;
  snapshot: Snapshot;
  asOf: number;
  period: Period | undefined;
}

const programs = new Map<string, ReturnType<typeof prepareProgram>>();

function programOf(config: ProgramConfig): ReturnType<typeof prepareProgram> {
  const key = JSON.stringify(config);
  let program = programs.get(key);
  if (program === undefined) {
    program = prepareProgram(config);
    programs.clear();
    programs.set(key, program);
  }
  return program;
}

parentPort?.on('message', (req: KpisRequest | PortalRequest) => {
  try {
    if (req.kind === 'portal') {
      const index = buildPortalIndex(programOf(req.programConfig), req.snapshot, req.asOf);
      parentPort?.postMessage({ id: req.id, portal: { partner: portalPartner(index, req.partnerId) } });
      return;
    }
    const program = programOf(req.programConfig);
    if (req.kind === 'model' && req.period !== undefined) {
      const out = computeDetailed(program, req.snapshot, {
        asOf: req.asOf,
        period: req.period,
        commissionLimit: LEDGER_COMMISSION_LIMIT,
      });
      const names = new Map(req.snapshot.partners.map((p) => [p.id, p.name ?? p.id]));
      const model = buildReadModels(program, out, names, req.asOf, [req.period]).get(req.period.label);
      parentPort?.postMessage({ id: req.id, model });
      return;
    }
    const { result } = computeResult(program, req.snapshot, {
      asOf: req.asOf,
      period: req.period,
      commissionLimit: LEDGER_COMMISSION_LIMIT,
    });
    // only the KPI fields: attribution and commissions are built on demand and never cross over
    parentPort?.postMessage({
      id: req.id,
      kpis: {
        asOf: result.asOf,
        currency: result.currency,
        period: result.period,
        partners: result.partners,
        recipes: result.recipes,
        program: result.program,
      },
    });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
