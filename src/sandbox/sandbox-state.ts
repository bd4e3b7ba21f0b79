// The in-process control surface of a running sandbox (server.ts builds it; the inspection
// routes under /__sandbox/ expose it over HTTP).

import type { CrmName, Personality } from './personality.ts';
import type { SeedParams } from './seed-model.ts';
import type { SandboxStats } from './stats.ts';

/** In-process control of a running sandbox (what the inspection routes do, plus more). */
export interface SandboxState {
  readonly crm: CrmName;
  readonly seedParams: SeedParams;
  /** The current personality (replaced by `reset`). */
  readonly personality: Personality;
  stats(): SandboxStats;
  resetStats(): void;
  dump(): Readonly<Record<string, unknown>>;
  /** Back to the seed data: new records, fresh limits and stats. */
  reset(): void;
  mutate(count: number): string[];
  /** Every token in use (or issued) so far answers 401 from now on. */
  expireTokens(): void;
  /** Writes the state file now (no-op without one). */
  save(): Promise<void>;
}
