// One measured scenario of `npm run bench` (run.ts), as written to the results JSON and read by
// the report (table.ts).

import type { Changed, MustSee } from './minimum.ts';

export type Crm = 'hubspot' | 'salesforce';
export type Limits = 'off' | 'real';
export type Kind = 'full' | 'settle' | 'incremental' | 'idle';

export interface ScenarioResult {
  name: string;
  crm: Crm | null;
  deals: number;
  limits: Limits | null;
  kind: Kind | 'engine';
  wallSeconds: number;
  recordsPerSecond: number;
  apiCalls: number;
  minimumCalls: number | null;
  callRatio: number | null;
  /** HubSpot, real limits: requests per second over the run ÷ 19/s (190 per 10 s). */
  achievedRateRatio: number | null;
  rateLimited: number;
  peakRssMb: number;
  callsByEndpoint: Record<string, number>;
  reads: number;
  writes: number;
  minimum: { reads: number; writes: number; fixed: number } | null;
  mustSee: MustSee | null;
  changed: Changed | null;
  status: string;
}
