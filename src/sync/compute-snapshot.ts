// The offline `compute` use case: a snapshot file in, result.json + commissions.csv + a short
// human summary out. Bad input becomes a ComputeInputError naming the problem.

import { computeDetailed, type ComputeResult, type EngineDetails } from '../domain/engine.ts';
import { formatMinor } from '../domain/money.ts';
import type { Program } from '../domain/program.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { monthLabel, parseMonthLabel, parsePeriod, TimeZone, type Period } from '../domain/time.ts';
import { toCsv, writeCsv } from './csv.ts';

export class ComputeInputError extends Error {
  override readonly name = 'ComputeInputError';
}

export const COMMISSION_CSV_COLUMNS = [
  'key',
  'dealId',
  'partnerId',
  'recipe',
  'plan',
  'period',
  'basis',
  'rateBps',
  'tier',
  'amount',
  'payableOn',
  'status',
] as const;

/** Parses snapshot JSON text: the top level must hold `partners` and `deals` arrays. */
export function parseSnapshotText(text: string, source: string): Snapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ComputeInputError(`${source}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ComputeInputError(
      `${source}: must be a JSON object with "partners" and "deals" arrays (docs/finance-rules.md §1.2)`,
    );
  }
  const { partners, deals } = raw as { partners?: unknown; deals?: unknown };
  const missing = [
    ...(Array.isArray(partners) ? [] : ['"partners" must be an array']),
    ...(Array.isArray(deals) ? [] : ['"deals" must be an array']),
  ];
  if (missing.length > 0) throw new ComputeInputError(`${source}: ${missing.join('; ')} (docs/finance-rules.md §1.2)`);
  const notObject = (deals as unknown[]).findIndex((d) => d === null || typeof d !== 'object' || Array.isArray(d));
  if (notObject >= 0) throw new ComputeInputError(`${source}: deals[${notObject}] must be an object`);
  const badPartner = (partners as unknown[]).findIndex((p) => p === null || typeof p !== 'object' || Array.isArray(p));
  if (badPartner >= 0) throw new ComputeInputError(`${source}: partners[${badPartner}] must be an object`);
  return raw as Snapshot;
}

/** `--as-of`: an ISO-8601 instant (a date alone means local midnight); default now, to the second. */
export function resolveAsOf(text: string | undefined, timezone: string, now: number): number {
  if (text === undefined) return Math.floor(now / 1000) * 1000;
  const at = new TimeZone(timezone).parse(text);
  if (at === null)
    throw new ComputeInputError(`--as-of: "${text}" is not an ISO-8601 timestamp; write e.g. 2026-10-31T23:59:59Z`);
  return at;
}

export function resolvePeriod(text: string | undefined): Period | undefined {
  if (text === undefined) return undefined;
  const period = parsePeriod(text);
  if (period === null)
    throw new ComputeInputError(
      `--period: "${text}" is not a period; write YYYY-MM, YYYY-Qn or YYYY (e.g. 2026-10, 2026-Q4, 2026)`,
    );
  return period;
}

export function commissionsCsv(result: ComputeResult): string {
  return toCsv(
    COMMISSION_CSV_COLUMNS,
    result.commissions.map((c) => COMMISSION_CSV_COLUMNS.map((k) => c[k])),
  );
}

/** Indents every line but the first (JSON.stringify's nesting inside a parent). */
const nest = (json: string, pad: string): string => json.replaceAll('\n', `\n${pad}`);

/**
 * Writes result.json exactly as `JSON.stringify(result, null, 2)` would, but element by element
 * for the two large arrays, read from the engine's tables: a million-deal result never has to
 * exist as one string (V8 caps strings at 512 MB) or as millions of objects.
 */
export function writeResultJson(result: ComputeResult, details: EngineDetails, write: (chunk: string) => void): void {
  const big: Record<string, { length: number; at: (i: number) => unknown }> = {
    attribution: { length: details.rows.length, at: (k) => details.rows.outAt(k) },
    commissions: { length: details.entries.length, at: (i) => details.entries.outAt(i) },
  };
  const keys = Object.keys(result) as (keyof ComputeResult)[];
  write('{\n');
  keys.forEach((key, n) => {
    write(`  ${JSON.stringify(key)}: `);
    const table = big[key];
    if (table === undefined) write(nest(JSON.stringify(result[key], null, 2), '  '));
    else if (table.length === 0) write('[]');
    else {
      write('[\n');
      for (let i = 0; i < table.length; i++)
        write(`    ${nest(JSON.stringify(table.at(i), null, 2), '    ')}${i + 1 < table.length ? ',\n' : '\n'}`);
      write('  ]');
    }
    write(n + 1 < keys.length ? ',\n' : '\n');
  });
  write('}\n');
}

export function writeCommissionsCsv(details: EngineDetails, write: (chunk: string) => void): void {
  writeCsv(
    COMMISSION_CSV_COLUMNS,
    details.entries.length,
    (i) => {
      const c = details.entries.outAt(i);
      return COMMISSION_CSV_COLUMNS.map((k) => c[k]);
    },
    write,
  );
}

export interface ComputeRun {
  result: ComputeResult;
  details: EngineDetails;
  summary: string[];
  warnings: string[];
}

export function computeRun(program: Program, snapshot: Snapshot, asOf: number, period: Period | undefined): ComputeRun {
  const { result, details, warnings } = computeDetailed(program, snapshot, { asOf, period });
  return { result, details, summary: summarise(result, details, program), warnings };
}

/** A short human summary: partners by band, top partners, alerts, commission totals. */
export function summarise(r: ComputeResult, details: EngineDetails, program: Program): string[] {
  const bands = new Map<string, number>();
  for (const p of r.partners) bands.set(p.health.band ?? 'no score', (bands.get(p.health.band ?? 'no score') ?? 0) + 1);
  const bandLine = ['healthy', 'watch', 'at_risk', 'no score']
    .filter((b) => bands.has(b))
    .map((b) => `${b} ${bands.get(b) ?? 0}`)
    .join(', ');
  const alertCounts = new Map<string, number>();
  for (const a of r.alerts) alertCounts.set(a.severity, (alertCounts.get(a.severity) ?? 0) + 1);
  const period = parsePeriod(r.period.label);
  let payable = 0n;
  let held = 0n;
  let inPeriod = 0n;
  const inWindow = (label: string): boolean => {
    const month = parseMonthLabel(label);
    return period !== null && month !== null && month >= period.firstMonth && month < period.firstMonth + period.months;
  };
  const { entries } = details;
  for (let i = 0; i < entries.length; i++) {
    const e = entries.entry(i);
    if (e.payable) payable += e.amount;
    else held += e.amount;
    if (inWindow(monthLabel(e.month))) inPeriod += e.amount;
  }
  const fmt = (v: bigint): string => formatMinor(v, program.exponent);
  return [
    `as of ${r.asOf}, period ${r.period.label}, amounts in ${r.currency}`,
    `partners: ${r.partners.length} (${bandLine || 'none'})`,
    `top partners: ${r.program.topPartners.join(', ') || 'none'}; partner-attributed revenue ${r.program.attributedRevenue} of ${r.program.totalWonRevenue} won in the period`,
    `alerts: ${r.alerts.length} (${['critical', 'warning', 'info'].map((s) => `${s} ${alertCounts.get(s) ?? 0}`).join(', ')})`,
    `commissions: ${entries.length} entries, ${fmt(payable + held)} to date (${fmt(payable)} payable, ${fmt(held)} held), ${fmt(inPeriod)} in ${r.period.label}`,
    `rejected deals: ${r.rejected.length}`,
  ];
}
