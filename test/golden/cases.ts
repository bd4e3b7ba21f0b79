// The golden compute cases: fixed snapshots, configs and instants whose `partnersync compute`
// output is committed under test/golden/out/. A refactor must leave every byte as it is; a
// deliberate change of output (a rule, a key format) regenerates them with
// `node test/golden/update.ts` and says why in its commit.

export interface GoldenCase {
  name: string;
  config: string;
  snapshot: string;
  asOf: string;
  period?: string;
  /** Synthetic snapshots are generated once by update.ts and committed as files. */
  synthetic?: { deals: number; partners: number; seed: number };
}

export const GOLDEN_DIR = 'test/golden';

export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    name: 'example',
    config: 'config/examples/program.yaml',
    snapshot: 'config/examples/snapshot.json',
    asOf: '2026-11-15T12:00:00Z',
  },
  {
    name: 'example-q3',
    config: 'config/examples/program.yaml',
    snapshot: 'config/examples/snapshot.json',
    asOf: '2026-11-15T12:00:00Z',
    period: '2026-Q3',
  },
  {
    name: 'synthetic-position',
    config: 'config/examples/program.yaml',
    snapshot: 'test/golden/snapshots/s400.json',
    asOf: '2026-11-15T12:00:00Z',
    synthetic: { deals: 400, partners: 15, seed: 7 },
  },
  {
    name: 'synthetic-linear',
    config: 'test/golden/configs/program-linear.yaml',
    snapshot: 'test/golden/snapshots/s400.json',
    asOf: '2026-11-15T12:00:00Z',
    period: '2026-10',
  },
  {
    name: 'synthetic-decay',
    config: 'test/golden/configs/program-time_decay.yaml',
    snapshot: 'test/golden/snapshots/s600.json',
    asOf: '2026-06-30T23:59:59Z',
    period: '2026',
    synthetic: { deals: 600, partners: 20, seed: 11 },
  },
  {
    name: 'synthetic-sourced',
    config: 'test/golden/configs/program-sourced.yaml',
    snapshot: 'test/golden/snapshots/s600.json',
    asOf: '2026-11-15T12:00:00Z',
  },
  {
    name: 'synthetic-first',
    config: 'test/golden/configs/program-first_touch.yaml',
    snapshot: 'test/golden/snapshots/s400.json',
    asOf: '2026-01-01T05:00:00Z',
    period: '2025-Q4',
  },
  {
    name: 'fixed-fee-order',
    config: 'test/golden/configs/program-fixed-fee.yaml',
    snapshot: 'test/golden/snapshots/fixed-fee.json',
    asOf: '2026-02-20T12:00:00Z',
  },
  {
    name: 'demo-program',
    config: 'config/examples/demo.yaml',
    snapshot: 'test/golden/snapshots/s600.json',
    asOf: '2026-11-15T12:00:00Z',
  },
];

export function computeArgs(c: GoldenCase, out: string): string[] {
  return [
    'compute',
    '--config',
    c.config,
    '--snapshot',
    c.snapshot,
    '--as-of',
    c.asOf,
    ...(c.period === undefined ? [] : ['--period', c.period]),
    '--out',
    out,
  ];
}
