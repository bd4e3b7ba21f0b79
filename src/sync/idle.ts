// Idle runs (issue 21): an incremental run whose pull changed nothing, under the config the last
// computing run used, before the instant time alone may change an output (src/domain/due.ts), and
// with the ledger as that run left it, would compute exactly what is already posted, stored and
// written. It skips the cache, the engine, the ledger, alerts and write-back. The mark is left by
// a computing run that ended with nothing to retry; any change to the snapshot cache deletes it.

import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import type { ComputeMark } from '../store/store.ts';

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
  return null;
}
