// The sandbox state file: the demo keeps the CRM in a file under ./data so a later `serve` sees the
// same records. Saves are atomic (write a temp file, then rename) and debounced after changes.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CRM_NAMES, type CrmName } from './personality.ts';
import type { SeedParams } from './seed-model.ts';

export const STATE_FILE_VERSION = 1;

const stateFileSchema = z.object({
  version: z.literal(STATE_FILE_VERSION),
  crm: z.enum(CRM_NAMES),
  seedParams: z.object({ seed: z.number(), partners: z.number(), deals: z.number(), anchor: z.string() }),
  savedAt: z.string(),
  state: z.unknown(),
});

export interface StateFileContent {
  version: typeof STATE_FILE_VERSION;
  crm: CrmName;
  seedParams: SeedParams;
  savedAt: string;
  state: unknown;
}

export async function loadStateFile(file: string): Promise<StateFileContent | null> {
  if (!existsSync(file)) return null;
  const parsed = stateFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `sandbox state file ${file} is not a sandbox state file (version ${STATE_FILE_VERSION}): ${parsed.error.message}`,
    );
  return { ...parsed.data, state: parsed.data.state };
}

export async function saveStateFile(file: string, content: StateFileContent): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(content));
  await rename(temp, file);
}

/** Runs `save` at most once per `delayMs` after `schedule()`, never two at a time. */
export class DebouncedSaver {
  readonly #save: () => Promise<void>;
  readonly #delayMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  // Saves run one after another: each new one waits for the previous write and rename.
  #chain: Promise<void> = Promise.resolve();

  constructor(save: () => Promise<void>, delayMs: number, onError: (err: unknown) => void) {
    this.#save = save;
    this.#delayMs = delayMs;
    this.#onError = onError;
  }

  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run().catch(this.#onError);
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Saves now (cancelling a pending timer) and waits for it. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#run();
  }

  #run(): Promise<void> {
    const next = this.#chain.then(() => this.#save());
    // A failed save must not block later ones; the caller of this run still sees its error.
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
