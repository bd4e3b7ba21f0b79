// A fixed fee is one ledger entry a month: `config validate` refuses a monthlyFee beyond what one
// entry holds (docs/finance-rules.md §10.2, 2^53 − 1 minor units) with exit 2, naming the key
// and the limit in the base currency's minor units; the limit itself is accepted.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-config-limit-'));
let n = 0;
const validate = (currency: string, fee: string) => {
  const f = path.join(dir, `c${n++}.yaml`);
  writeFileSync(f, `program:\n  currency: ${currency}\n  plans:\n    f: { type: fixed_fee, monthlyFee: "${fee}" }\n`);
  return runCli(['config', 'validate', '--skip-env', '--config', f]);
};

describe('a monthly fee beyond one ledger entry', () => {
  it.each([
    ['USD', '90071992547409.92', '90071992547409.91'],
    ['JPY', '9007199254740992', '9007199254740991'],
  ])('is refused in %s, naming the key and the limit', async (currency, over, limit) => {
    const bad = await validate(currency, over);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `program.plans.f.monthlyFee: must be at most ${limit} (the most one ledger entry holds); check the amount`,
    );
    const ok = await validate(currency, limit);
    expect(ok.code).toBe(0);
  });
});
