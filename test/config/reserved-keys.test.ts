// Names that JavaScript objects reserve (issue 16, finding 6): a plan or recipe called
// `__proto__` was silently dropped from the config, and a recipe's `plan: toString` passed the
// plan check. Config keys are ordinary ids or refused with a message; nothing is dropped.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { currencyExponent } from '../../src/domain/currency.ts';
import { computeProgram } from '../../src/domain/engine.ts';
import { runCli } from '../helpers/cli.ts';
import { deal, partner } from '../helpers/program.ts';

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, 'c.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const base = 'program:\n  currency: USD\n';

describe('__proto__ as a config key', () => {
  it.each([
    ['a plan', `${base}  plans:\n    __proto__: { type: percent, rateBps: 1000 }\n`, 'program.plans.__proto__'],
    ['a recipe', `${base}  recipes:\n    __proto__: { name: Proto }\n`, 'program.recipes.__proto__'],
    ['an exchange rate', `${base}  exchangeRates:\n    __proto__: "1.1"\n`, 'program.exchangeRates.__proto__'],
    ['a fit criterion', `${base}  fit:\n    criteria: { __proto__: 3 }\n`, 'program.fit.criteria.__proto__'],
    [
      'a stage override',
      `${base}crm:\n  provider: hubspot\n  stages:\n    overrides: { __proto__: won }\n`,
      'crm.stages.overrides.__proto__',
    ],
    [
      'a mapped value',
      `${base}crm:\n  provider: hubspot\n  mappings:\n    deal.recipe: { field: deal_type, values: { __proto__: referral } }\n`,
      'crm.mappings.deal.recipe.values.__proto__',
    ],
    [
      'a mapping',
      `${base}crm:\n  provider: hubspot\n  mappings:\n    __proto__: { field: x }\n`,
      'crm.mappings.__proto__',
    ],
  ])('is refused with its path for %s', (_what, yaml, where) => {
    const lines = problems(yaml);
    expect(lines.some((l) => l.startsWith(`${where}: `) && l.includes('__proto__'))).toBe(true);
  });

  it('is refused by config validate with exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-proto-'));
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, `${base}  plans:\n    __proto__: { type: percent, rateBps: 1000 }\n`);
    const r = await runCli(['config', 'validate', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('program.plans.__proto__');
  });
});

describe('other names objects inherit', () => {
  it('refuses a recipe whose plan is an inherited name, not a defined plan', () => {
    for (const plan of ['toString', 'constructor', 'hasOwnProperty']) {
      const lines = problems(
        `${base}  plans:\n    p: { type: flat, bands: [{ minAmount: "0", fee: "10" }] }\n  recipes:\n    r: { plan: ${plan} }\n`,
      );
      expect(lines).toContain(
        `program.recipes.r.plan: unknown plan "${plan}"; define it under program.plans or use one of: p`,
      );
    }
  });

  it('accepts plans and recipes named constructor and toString as ordinary ids', () => {
    const loaded = parseConfigText(
      `${base}  plans:\n    constructor: { type: percent, rateBps: 1000 }\n    toString: { type: fixed_fee, monthlyFee: "50" }\n  recipes:\n    toString: { plan: constructor }\n    valueOf: { plan: toString }\n`,
      'c.yaml',
    );
    expect(Object.keys(loaded.programConfig.plans).sort()).toEqual(['constructor', 'toString']);
    const result = computeProgram(
      loaded.program,
      {
        partners: [
          partner('p1', { recipe: 'toString' }),
          partner('p2', { recipe: 'valueOf', onboardedAt: '2026-01-10T00:00:00Z' }),
        ],
        // a deal whose CRM recipe is an inherited name: not a recipe, so the partner's applies
        deals: [deal('d1', { sourcePartnerId: 'p1', recipe: 'hasOwnProperty', amount: '1000.00' })],
      },
      { asOf: Date.parse('2026-02-15T00:00:00Z') },
    );
    expect(result.commissions.map((c) => `${c.key} ${c.recipe} ${c.plan} ${c.amount}`)).toEqual([
      'd1:p1:2026-02 toString constructor 100.00',
      'fee:p2:2026-01 valueOf toString 50.00',
      'fee:p2:2026-02 valueOf toString 50.00',
    ]);
  });

  it('gives currencies named like inherited properties the default exponent', () => {
    expect(currencyExponent('constructor')).toBe(2);
    expect(currencyExponent('toString')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
  });
});
