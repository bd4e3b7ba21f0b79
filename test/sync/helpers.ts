// Shared set-up for store and sync tests: the stores to run against (SQLite always; PostgreSQL
// when PARTNERSYNC_TEST_DATABASE_URL is set, and required when CI=true), a test config, a
// controllable clock and a fake CRM with a small program in it.

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import type { PulledDeal, PulledPartner } from '../../src/crm/port.ts';
import { silentLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import type { Clock, SyncDeps } from '../../src/sync/deps.ts';

export const PG_URL = process.env['PARTNERSYNC_TEST_DATABASE_URL'];
const IN_CI = process.env['CI'] === 'true';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A fresh URL (SQLite: a new file) or the shared test database (PostgreSQL; tests use fresh accounts). */
  url: () => string;
}

/** The stores every store/sync test runs against. Without a PostgreSQL URL: skipped locally, an error in CI. */
export function storeTargets(): StoreTarget[] {
  if (PG_URL === undefined && IN_CI) {
    throw new Error(
      'CI=true but PARTNERSYNC_TEST_DATABASE_URL is not set: the PostgreSQL store tests must run in CI (.ci/postgres.sh prints the URL)',
    );
  }
  const sqlite: StoreTarget = {
    name: 'sqlite',
    url: () => `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'partnersync-')), 'test.db')}`,
  };
  return PG_URL === undefined ? [sqlite] : [sqlite, { name: 'postgres', url: () => PG_URL }];
}

export const PROGRAM_YAML = `
program:
  currency: USD
  timezone: UTC
  exchangeRates:
    EUR: "1.10"
  health:
    bands: { healthy: 80, watch: 60 }
  plans:
    ref:
      type: percent
      rateBps: 1000
      holdDays: 30
      clawbackDays: 90
    monthly:
      type: percent
      rateBps: 1200
      schedule: monthly
      months: 3
      clawbackDays: 90
    retainer: { type: fixed_fee, monthlyFee: "500" }
  recipes:
    referral: { name: Referral, archetype: referral, status: active, plan: ref, targets: { quarterlyRevenue: "50000" } }
    share: { name: Revenue share, archetype: reseller, status: active, plan: monthly }
    comarketing: { name: Co-marketing, archetype: co_marketing, status: active, plan: retainer }
crm:
  provider: hubspot
`;

export function testConfig(yaml = PROGRAM_YAML, store: Record<string, unknown> = {}): LoadedConfig {
  const storeYaml = Object.keys(store).length === 0 ? '' : `store: ${JSON.stringify(store)}\n`;
  return { file: 'test.yaml', ...parseConfigText(yaml + storeYaml, 'test.yaml') };
}

export class TestClock implements Clock {
  t: number;
  constructor(iso: string) {
    this.t = Date.parse(iso);
  }
  now(): number {
    return this.t;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}

export function partner(id: string, extra: Partial<PulledPartner> = {}): PulledPartner {
  return {
    id,
    name: `Partner ${id}`,
    recipe: 'referral',
    tier: null,
    onboardedAt: '2025-06-01T00:00:00Z',
    endedAt: null,
    ratings: { communication: 4, alignment: 4, trust: 4, ease: 4, potential: 4 },
    fit: {},
    ownerId: `owner-${id}`,
    written: {},
    ...extra,
  };
}

export function deal(id: string, extra: Partial<PulledDeal> = {}): PulledDeal {
  return {
    id,
    name: `Deal ${id}`,
    amount: '10000.00',
    currency: 'USD',
    stage: 'won',
    createdAt: '2026-01-05T00:00:00Z',
    closedAt: '2026-02-10T00:00:00Z',
    customerId: `c-${id}`,
    recipe: null,
    sourcePartnerId: 'p1',
    registration: null,
    touches: [],
    ownerId: null,
    written: {},
    ...extra,
  };
}

/** A small program: two referral partners, a retainer partner, won/open/lost deals, one EUR deal. */
export function seedCrm(crm: FakeCrm): void {
  crm.upsertPartner(partner('p1'));
  crm.upsertPartner(partner('p2', { ratings: { communication: 1, alignment: 1, trust: 1, ease: 1, potential: 1 } }));
  crm.upsertPartner(partner('p3', { recipe: 'comarketing', onboardedAt: '2026-01-15T00:00:00Z' }));
  crm.upsertDeal(deal('d1'));
  crm.upsertDeal(
    deal('d2', {
      amount: '5000.00',
      closedAt: '2026-03-02T00:00:00Z',
      sourcePartnerId: 'p2',
      touches: [{ partnerId: 'p1', at: '2026-01-20T00:00:00Z' }],
    }),
  );
  crm.upsertDeal(deal('d3', { stage: 'open', closedAt: null, amount: '20000.00' }));
  crm.upsertDeal(deal('d4', { stage: 'lost', closedAt: '2026-02-20T00:00:00Z', sourcePartnerId: 'p2' }));
  crm.upsertDeal(deal('d5', { amount: '3000.00', currency: 'EUR', closedAt: '2026-03-05T00:00:00Z' }));
  crm.upsertDeal(
    deal('d6', {
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'shared',
      registration: {
        partnerId: 'p1',
        status: 'approved',
        submittedAt: '2026-02-01T00:00:00Z',
        decidedAt: '2026-02-02T00:00:00Z',
        expiresAt: '2026-03-01T00:00:00Z',
      },
    }),
  );
  crm.upsertDeal(
    deal('d7', {
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'shared2',
      registration: { partnerId: 'p2', status: 'submitted', submittedAt: '2026-03-01T00:00:00Z' },
    }),
  );
  crm.upsertDeal(
    deal('d8', {
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'shared2',
      registration: { partnerId: 'p1', status: 'submitted', submittedAt: '2026-03-02T00:00:00Z' },
    }),
  );
}

export interface World {
  store: KyselyStore;
  crm: FakeCrm;
  clock: TestClock;
  config: LoadedConfig;
  deps: SyncDeps;
}

export async function makeWorld(
  target: StoreTarget,
  options: { url?: string; crm?: FakeCrm; config?: LoadedConfig; at?: string } = {},
): Promise<World> {
  const store = await openStore(options.url ?? target.url());
  const crm = options.crm ?? new FakeCrm({ account: `acct-${randomUUID()}`, pageSize: 3 });
  const clock = new TestClock(options.at ?? '2026-03-20T12:00:00Z');
  const config = options.config ?? testConfig();
  return { store, crm, clock, config, deps: { store, crm, clock, logger: silentLogger(), config } };
}
