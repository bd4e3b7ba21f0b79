// Payout files (issue 20): a generic CSV of a run's lines, the batch file Wise takes for
// "send to bank accounts" batches, and the confirmation CSV finance uploads back
// (`runId,lineId,status,reference`). Payee details appear in the Wise file only.

import { parse } from 'csv-parse/sync';
import { formatMinor } from '../domain/money.ts';
import { toCsv } from '../sync/csv.ts';
import { LedgerInputError } from './errors.ts';
import type { PayoutRun } from './finance-port.ts';
import type { PayeeDetails } from './payee-crypto.ts';
import type { Settlement } from './payouts.ts';

export const PAYOUT_COLUMNS = [
  'runId',
  'lineId',
  'cutoff',
  'partnerId',
  'partnerName',
  'amount',
  'currency',
  'status',
  'reference',
  'entries',
] as const;

export function payoutCsv(run: PayoutRun, exponent: number): string {
  return toCsv(
    PAYOUT_COLUMNS,
    run.lines.map((l) => [
      run.id,
      l.id,
      run.cutoff,
      l.partnerId,
      l.partnerName,
      formatMinor(l.amount, exponent),
      run.currency,
      l.status,
      l.reference,
      l.entryIds.length,
    ]),
  );
}

/**
 * Wise's batch template for payments to bank accounts: the recipient's name, e-mail and type,
 * the payment reference, the amount in the source currency (our program currency) and the
 * currency the recipient receives, then the bank details (IBAN, or an account number).
 */
export const WISE_COLUMNS = [
  'name',
  'recipientEmail',
  'paymentReference',
  'receiverType',
  'amountCurrency',
  'amount',
  'sourceCurrency',
  'targetCurrency',
  'IBAN',
  'accountNumber',
] as const;

/** Pending lines of an approved run; refuses (naming them) when a partner has no payee details. */
export function wiseCsv(run: PayoutRun, payees: ReadonlyMap<string, PayeeDetails>, exponent: number): string {
  if (run.status !== 'approved')
    throw new LedgerInputError(`payout run ${run.id} is ${run.status}: the Wise file is made from an approved run`);
  const lines = run.lines.filter((l) => l.status === 'pending');
  const missing = lines.filter((l) => !payees.has(l.partnerId)).map((l) => l.partnerId);
  if (missing.length > 0)
    throw new LedgerInputError(
      `no payee details for ${missing.join(', ')}: enter them (partnersync payees set, or PUT /v1/payees/{partnerId}) before exporting the Wise file`,
    );
  return toCsv(
    WISE_COLUMNS,
    lines.map((l) => {
      const p = payees.get(l.partnerId) as PayeeDetails;
      return [
        p.accountHolder,
        p.email,
        // Wise shows the reference to the recipient: the line id finds the line again
        l.id,
        p.type,
        'source',
        formatMinor(l.amount, exponent),
        run.currency,
        p.currency,
        p.iban ?? null,
        p.iban === undefined ? (p.accountNumber ?? null) : null,
      ];
    }),
  );
}

/** A cell the export neutralised (a leading apostrophe before a formula sign) read back as written. */
const unneutralise = (v: string): string => (/^'[\s]*[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

/** The confirmation CSV: a header `runId,lineId,status,reference`; status paid or failed. */
export function parseConfirmationCsv(text: string): Settlement[] {
  let rows: string[][];
  try {
    const parsed: unknown = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
    rows = parsed as string[][];
  } catch (err) {
    throw new LedgerInputError(`confirmation CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [header, ...body] = rows;
  const cols = (header ?? []).map((h) => h.toLowerCase());
  const at = (name: string): number => cols.indexOf(name.toLowerCase());
  const idx = { runId: at('runId'), lineId: at('lineId'), status: at('status'), reference: at('reference') };
  if (idx.runId < 0 || idx.lineId < 0 || idx.status < 0)
    throw new LedgerInputError('confirmation CSV: the first row must be the header runId,lineId,status,reference');
  const problems: string[] = [];
  const out: Settlement[] = [];
  body.forEach((r, i) => {
    const cell = (k: number): string => (k < 0 ? '' : unneutralise(r[k] ?? ''));
    const status = cell(idx.status).toLowerCase();
    if (status !== 'paid' && status !== 'failed') {
      problems.push(`row ${i + 2}: status "${cell(idx.status)}" must be paid or failed`);
      return;
    }
    if (cell(idx.runId) === '' || cell(idx.lineId) === '') {
      problems.push(`row ${i + 2}: runId and lineId are required`);
      return;
    }
    const reference = cell(idx.reference);
    out.push({
      runId: cell(idx.runId),
      lineId: cell(idx.lineId),
      status,
      reference: reference === '' ? null : reference,
    });
  });
  if (problems.length > 0) throw new LedgerInputError(`confirmation CSV: ${problems.join('; ')}`);
  return out;
}
