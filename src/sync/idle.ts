// Idle runs (issue 21): an incremental run whose pull changed nothing, under the config the last
// computing run used, before the instant time alone may change an output (src/domain/due.ts), and
// with the ledger as that run left it, would compute exactly what is already posted, stored and
// written. It skips the cache, the engine, the ledger, alerts and write-back. The mark is left by
// a computing run that ended with nothing to retry; any change to the snapshot cache deletes it.

import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import type { ComputeMark, Store } from '../store/store.ts';

/** A digest of everything the run computes and writes with: the program and the whole config file. */
export function configFingerprint(config: LoadedConfig): string {
  const text = JSON.stringify({ program: config.program, config: config.config }, (_key, value: unknown) => {
    if (value instanceof Map) return { map: [...(value as Map<unknown, unknown>).entries()] };
    if (value instanceof Set) return { set: [...(value as Set<unknown>).values()] };
    if (typeof value === 'bigint') return `${value}n`;
    return value;
  });
  return createHash('sha256').update(text).digest('hex');
}

export interface IdleInput {
  /** Records, links and removals the pull applied. */
  pulled: number;
  mark: ComputeMark | null;
  fingerprint: string;
  asOf: number;
  ledger: { seq: number; closes: number };
  /** Partners whose due instant (partner_dues, migration 017) is at or before asOf. */
  duePartners?: readonly string[] | undefined;
}

/** Why the run must compute, or null when it may skip. */
export function mustCompute(input: IdleInput): string | null {
  const { mark } = input;
  if (input.pulled > 0) return 'the pull brought changes';
  if (mark === null) return 'no computing run left an idle mark (first run, a change, or something to retry)';
  if (mark.fingerprint !== input.fingerprint) return 'the config changed';
  if (input.asOf >= mark.due) return 'time may change an output (a due date was reached)';
  if (mark.ledger.seq !== input.ledger.seq || mark.ledger.closes !== input.ledger.closes)
    return 'the ledger changed (a manual entry or a period close)';
  const due = input.duePartners ?? [];
  if (due.length > 0)
    return `time may change the outputs of partner ${due.slice(0, 3).join(', ')}${due.length > 3 ? ' and others' : ''} (its due instant was reached)`;
  return null;
}

/** More partners due at once than this: a time-scoped run would cost about a full one. */
export const DUE_SCOPE_LIMIT = 1000;

export type DueScope = { partners: string[] } | { full: string };

/**
 * What time alone changed since the last computing run (issue 21): the partners whose due
 * instant (partner_dues) asOf has reached — the affected partners of a time-scoped run, to add
 * to those a pull or a notification names — or why only a full compute will do (no mark, the
 * program's due instant reached, too many partners due). Reads the index, never the account.
 * It says nothing about CRM changes, the config or the ledger: `mustCompute` checks those.
 * Partner rows stay valid across cache changes (each is rewritten when its partner's deals are
 * recomputed), so the mark read before a pull may be passed.
 */
export async function dueScope(
  store: Pick<Store, 'computeMark' | 'partnersDueBy'>,
  account: string,
  asOf: number,
  options: { limit?: number; mark?: ComputeMark | null } = {},
): Promise<DueScope> {
  const limit = options.limit ?? DUE_SCOPE_LIMIT;
  // a run whose pull changed the cache (which deletes the mark) passes the mark it read before
  const mark = options.mark !== undefined ? options.mark : await store.computeMark(account);
  if (mark === null) return { full: 'no computing run left an idle mark' };
  if (asOf >= mark.due) return { full: 'time may change program-level outputs (the program due instant was reached)' };
  const due = await store.partnersDueBy(account, asOf, limit + 1);
  if (due.length > limit) return { full: `more than ${limit} partners reached their due instant` };
  return { partners: due.map((d) => d.partnerId) };
}
