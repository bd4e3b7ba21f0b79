import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-config-'));
let n = 0;
function file(yaml: string): string {
  const f = path.join(dir, `c${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}
const validate = (yaml: string) => runCli(['config', 'validate', '--config', file(yaml)]);

const TIERS = `program:
  currency: USD
  plans:
    referral-tiered:
      type: percent
      tiers:
        - { name: Referral, minWonDeals: 0, rateBps: 1000 }
        - { name: Premium, minWonDeals: 20, rateBps: 2000 }
        - { name: Certified, minWonDeals: 5, rateBps: 1500 }
`;

describe('partnersync config validate', () => {
  it('accepts the example configs', async () => {
    const r = await runCli(['config', 'validate', '--config', 'config/examples/program.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok — 7 recipes, 4 plans, currency USD, time zone America\/New_York/);
  });

  it('names the path and the fix for a misordered tier, and exits 2', async () => {
    const r = await validate(TIERS);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'program.plans.referral-tiered.tiers[2].minWonDeals: must not be lower than the previous tier (20)',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ['an unknown key', 'program:\n  currency: USD\n  colour: blue\n', 'program.colour: unknown key'],
    ['a missing currency', 'program:\n  timezone: UTC\n', 'program.currency: is required'],
    ['a lower-case currency', 'program:\n  currency: usd\n', 'program.currency: must be an ISO 4217 code'],
    [
      'an unknown time zone',
      'program:\n  currency: USD\n  timezone: Mars/Olympus\n',
      'program.timezone: must be an IANA time zone',
    ],
    [
      'a rate above 10000 bps',
      'program:\n  currency: USD\n  plans:\n    p: { type: percent, rateBps: 12000 }\n',
      'program.plans.p.rateBps: must not be above 10000 bps',
    ],
    [
      'a percent plan without a rate',
      'program:\n  currency: USD\n  plans:\n    p: { type: percent }\n',
      'program.plans.p.rateBps: a percent plan needs rateBps or tiers',
    ],
    [
      'monthly without months',
      'program:\n  currency: USD\n  plans:\n    p: { type: percent, rateBps: 100, schedule: monthly }\n',
      'program.plans.p.months: is required with schedule: monthly',
    ],
    [
      'a first tier above 0',
      'program:\n  currency: USD\n  plans:\n    p: { type: percent, tiers: [ { name: A, minWonDeals: 1, rateBps: 1 } ] }\n',
      'program.plans.p.tiers[0].minWonDeals: the first tier must start at 0',
    ],
    [
      'misordered bands',
      'program:\n  currency: USD\n  plans:\n    f: { type: flat, bands: [ { minAmount: "100", fee: "1" }, { minAmount: "99.99", fee: "2" } ] }\n',
      'program.plans.f.bands[1].minAmount: must not be lower than the previous band ("100")',
    ],
    [
      'a negative amount',
      'program:\n  currency: USD\n  plans:\n    f: { type: fixed_fee, monthlyFee: "-5" }\n',
      'program.plans.f.monthlyFee: must not be negative',
    ],
    [
      'an amount with a separator',
      'program:\n  currency: USD\n  recipes:\n    r: { monthlyCost: "1,000" }\n',
      'program.recipes.r.monthlyCost: must be a plain decimal amount',
    ],
    [
      'an unknown plan type',
      'program:\n  currency: USD\n  plans:\n    p: { type: bonus }\n',
      'program.plans.p.type: must be one of: percent, flat, fixed_fee',
    ],
    [
      'a key of another plan type',
      'program:\n  currency: USD\n  plans:\n    f: { type: fixed_fee, monthlyFee: "5", capPerDeal: "10" }\n',
      'program.plans.f.capPerDeal: unknown key',
    ],
    [
      'an unknown plan reference',
      'program:\n  currency: USD\n  plans:\n    p: { type: percent, rateBps: 100 }\n  recipes:\n    r: { plan: q }\n',
      'program.recipes.r.plan: unknown plan "q"; define it under program.plans or use one of: p',
    ],
    [
      'an unknown recipe status',
      'program:\n  currency: USD\n  recipes:\n    r: { status: paused }\n',
      'program.recipes.r.status: must be one of: active, retired, anti',
    ],
    [
      'an unknown health weight',
      'program:\n  currency: USD\n  health: { weights: { revenue: 1, vibes: 2 } }\n',
      'program.health.weights.vibes: unknown key',
    ],
    [
      'a dated rate with an impossible date',
      'program:\n  currency: USD\n  exchangeRates:\n    GBP: [ { from: "2026-02-30", rate: "1.2" } ]\n',
      'program.exchangeRates.GBP[0].from: is not a real calendar date',
    ],
    [
      'a negative exchange rate',
      'program:\n  currency: USD\n  exchangeRates: { EUR: "-1.1" }\n',
      'program.exchangeRates.EUR: must not be negative',
    ],
    [
      'a YAML syntax error, with its line and column',
      'program:\n  currency: USD\n   timezone: UTC\n',
      'line 2, column 13: YAML syntax: Nested mappings are not allowed in compact mappings',
    ],
    [
      'an unclosed flow list, with its line and column',
      'program:\n  currency: USD\n  timezone: [UTC\n  plans: {}\n',
      'line 4, column 3: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    // issue 17: a value of the wrong type says what is expected, with an example, not "is required"
    [
      'text where a number belongs',
      'program:\n  currency: USD\n  grossMarginBps: "eighty percent"\n',
      'program.grossMarginBps: must be a whole number of basis points (0–10000; 1000 = 10%) (got "eighty percent")',
    ],
    [
      'a number where text belongs',
      'program:\n  currency: 5\n',
      'program.currency: must be text, e.g. "USD" — the ISO 4217 base currency, e.g. USD (got number 5)',
    ],
    [
      'a missing required value',
      'program:\n  timezone: UTC\n',
      'program.currency: is required: the ISO 4217 base currency',
    ],
    [
      'a list where a mapping belongs',
      'program:\n  currency: USD\n  plans: [a, b]\n',
      'program.plans: must be a mapping (indented `key: value` lines) (got a list)',
    ],
    ['an empty file', '', 'must be a YAML mapping with at least a `program:` section'],
    [
      'an unknown CRM provider',
      'program:\n  currency: USD\ncrm:\n  provider: pipedrive\n',
      'crm.provider: must be one of: hubspot, salesforce, sandbox-hubspot, sandbox-salesforce',
    ],
  ])('reports %s', async (_name, yaml, expected) => {
    const r = await validate(yaml);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(expected);
  });

  it("runs the CRM provider's own checks and its credential check, as sync would (--skip-env: the file only)", async () => {
    const hubspot = file(
      `program:\n  currency: USD\ncrm:\n  provider: hubspot\n  mappings:\n    deal.recipe: { field: "Bad Name!" }\n`,
    );
    const bad = await runCli(['config', 'validate', '--config', hubspot]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('crm.mappings["deal.recipe"].field');
    expect(bad.stderr).toContain('HUBSPOT_ACCESS_TOKEN: is not set');
    const sf = file('program:\n  currency: USD\ncrm:\n  provider: salesforce\n');
    const noCredentials = await runCli(['config', 'validate', '--config', sf]);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toMatch(/environment: 1 problem\nSF_\*: Salesforce needs SF_CLIENT_ID/);
    const jwt = await runCli(['config', 'validate', '--config', sf], {
      SF_CLIENT_ID: 'c',
      SF_USERNAME: 'u',
      SF_JWT_KEY: 'not a key',
    });
    expect(jwt.code).toBe(2);
    expect(jwt.stderr).toContain('SF_JWT_KEY: is not a readable PEM private key');
    const fileOnly = await runCli(['config', 'validate', '--skip-env', '--config', sf]);
    expect(fileOnly.code).toBe(0);
    expect(fileOnly.stdout).toContain('CRM salesforce');
  });

  it('prints every problem on its own line', async () => {
    const r = await validate(
      'program:\n  currency: usd\n  grossMarginBps: -1\n  plans:\n    p: { type: percent, rateBps: 20000 }\n',
    );
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/3 problems$/);
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual([
      'program.currency',
      'program.grossMarginBps',
      'program.plans.p.rateBps',
    ]);
  });

  it('reports a missing file with where to find one', async () => {
    const r = await runCli(['config', 'validate', '--config', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config file not found');
  });

  it('reads PARTNERSYNC_CONFIG when --config is absent', async () => {
    const r = await runCli(['config', 'validate'], { PARTNERSYNC_CONFIG: file('program:\n  currency: EUR\n') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('currency EUR');
  });
});
