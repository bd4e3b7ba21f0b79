// Issue 20's pure parts: the payout planner (eligibility, minimum, held partners, negative
// carry-forward), payee sealing and IBAN checks, the confirmation CSV, the finance config block.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import type { LedgerEntry } from '../../src/ledger/types.ts';
import { parseConfirmationCsv } from '../../src/ledger/payout-files.ts';
import { parsePayeeKey, seal, unseal, validIban } from '../../src/ledger/payee-crypto.ts';
import { planPayout } from '../../src/ledger/payout-plan.ts';
import { PROGRAM_YAML, testConfig } from '../sync/helpers.ts';

let seq = 0;
function entry(partnerId: string, amount: bigint, period: string, payableOn: string): LedgerEntry {
  seq += 1;
  return {
    id: `e${seq}`,
    seq,
    runId: 'r',
    postedAt: 0,
    key: `k${seq}`,
    kind: amount < 0n ? 'clawback' : 'accrual',
    period,
    originalPeriod: period,
    partnerId,
    partnerName: `Partner ${partnerId}`,
    dealId: null,
    dealName: null,
    amount,
    payableAt: 0,
    payableOn,
    reason: '',
    inputs: {} as LedgerEntry['inputs'],
  };
}

describe('payout planner', () => {
  const entries = [
    entry('a', 10_000n, '2026-03', '2026-03-10'),
    entry('a', 5_000n, '2026-04', '2026-04-10'), // April is open: waits
    entry('a', 2_000n, '2026-03', '2026-06-01'), // payable after the cut-off: waits
    entry('b', 3_000n, '2026-03', '2026-03-10'), // below the minimum
    entry('c', 20_000n, '2026-02', '2026-02-10'),
    entry('c', -25_000n, '2026-03', '2026-02-10'), // clawback larger than what is owed
    entry('d', 50_000n, '2026-03', '2026-03-01'), // held
    entry('e', 9_000n, '2026-03', '2026-03-01'),
  ];
  const base = {
    entries,
    allocated: new Set(['e8']),
    closedThrough: '2026-03',
    cutoff: '2026-05-31',
    minimum: 5_000n,
    holdPartners: new Set(['d']),
  };

  it('pays closed months payable by the cut-off; minimum, hold and negative balances wait', () => {
    const plan = planPayout(base);
    expect(plan.lines).toEqual([{ partnerId: 'a', partnerName: 'Partner a', amount: 10_000n, entryIds: ['e1'] }]);
    expect(plan.waiting.map((w) => [w.partnerId, w.amount, w.reason])).toEqual([
      ['b', 3_000n, 'below_minimum'],
      ['c', -5_000n, 'not_positive'],
      ['d', 50_000n, 'held_partner'],
    ]);
  });

  it('a negative balance nets into a later run once new earnings exceed it', () => {
    const later = [...entries, entry('c', 12_000n, '2026-04', '2026-04-15')];
    const plan = planPayout({ ...base, entries: later, closedThrough: '2026-04' });
    expect(plan.lines.find((l) => l.partnerId === 'c')?.amount).toBe(7_000n);
  });

  it('nothing is eligible before a month is closed', () => {
    expect(planPayout({ ...base, closedThrough: null })).toEqual({ lines: [], waiting: [] });
  });
});

describe('payee details', () => {
  const key = parsePayeeKey('K', 'ab'.repeat(32));
  it('seal and unseal with AES-256-GCM; another key or a changed byte is refused', () => {
    const sealed = seal(key, '{"iban":"DE89370400440532013000"}');
    expect(sealed).not.toContain('DE89');
    expect(unseal(key, sealed)).toContain('DE89370400440532013000');
    expect(seal(key, 'x')).not.toBe(seal(key, 'x'));
    expect(() => unseal(parsePayeeKey('K', 'cd'.repeat(32)), sealed)).toThrow(/cannot be opened/);
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => unseal(key, `v1:${raw.toString('base64')}`)).toThrow(/cannot be opened/);
  });
  it('keys are 32 bytes, hex or base64', () => {
    expect(parsePayeeKey('K', Buffer.alloc(32, 7).toString('base64')).length).toBe(32);
    expect(() => parsePayeeKey('PAYEE_KEY', 'short')).toThrow(/PAYEE_KEY: must hold a 32-byte key/);
  });
  it('IBAN check digits', () => {
    expect(validIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(validIban('GB82WEST12345698765432')).toBe(true);
    expect(validIban('DE88370400440532013000')).toBe(false);
    expect(validIban('DE00123')).toBe(false);
  });
});

describe('confirmation CSV', () => {
  it('reads runId,lineId,status,reference (any column order, BOM, neutralised cells)', () => {
    expect(parseConfirmationCsv("\ufeffstatus,lineId,runId,reference\npaid,L1,R1,'=ref\nFAILED,L2,R1,\n")).toEqual([
      { runId: 'R1', lineId: 'L1', status: 'paid', reference: '=ref' },
      { runId: 'R1', lineId: 'L2', status: 'failed', reference: null },
    ]);
  });
  it('names every bad row', () => {
    expect(() => parseConfirmationCsv('runId,lineId,status\nR1,L1,done\nR1,,paid\n')).toThrow(
      'confirmation CSV: row 2: status "done" must be paid or failed; row 3: runId and lineId are required',
    );
    expect(() => parseConfirmationCsv('a,b\n1,2\n')).toThrow(/header runId,lineId,status,reference/);
  });
});

describe('finance config', () => {
  const refusal = (yaml: string): string[] => {
    try {
      testConfig(PROGRAM_YAML + yaml);
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
      throw err;
    }
    return [];
  };
  it('names the key and the fix', () => {
    expect(refusal('finance: { payouts: { minimum: "-5" } }\n')).toEqual([
      'finance.payouts.minimum: must be a decimal amount that is not negative, e.g. "50.00"',
    ]);
    expect(refusal('finance: { payees: { keyEnv: "my key" } }\n')[0]).toContain(
      'finance.payees.keyEnv: must be the NAME',
    );
    expect(refusal('finance: { statements: { emailOnClose: true } }\n')).toEqual([
      'finance.statements.channel: is required to e-mail statements: name an e-mail channel of notifications.channels',
    ]);
    expect(refusal('finance: { statements: { emailOnClose: true, channel: mail } }\n')[0]).toContain(
      '"mail" is not an e-mail channel',
    );
    expect(refusal('finance: { payouts: { minimum: "50.00", holdPartners: [p9] } }\n')).toEqual([]);
  });
});
