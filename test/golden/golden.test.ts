// Compute output is pinned byte for byte (cases.ts): result.json, commissions.csv and what the
// command prints. A change here is a change finance sees.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { GOLDEN_CASES, GOLDEN_DIR, computeArgs } from './cases.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-golden-'));

describe('golden compute output', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))(
    '%s is byte-identical to the committed output',
    async (name, c) => {
      const out = path.join(dir, name);
      const r = await runCli(computeArgs(c, out));
      expect(r.code).toBe(0);
      const golden = path.join(GOLDEN_DIR, 'out', name);
      const files = readdirSync(golden)
        .filter((f) => f !== 'stdout.txt' && f !== 'stderr.txt')
        .sort();
      expect(files).toEqual(['commissions.csv', 'result.json']);
      expect(readdirSync(out).sort()).toEqual(files);
      for (const f of files)
        expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(golden, f))), `${name}/${f}`).toBe(true);
      expect(r.stdout.replaceAll(path.resolve(out), '<out>')).toBe(
        readFileSync(path.join(golden, 'stdout.txt'), 'utf8'),
      );
      expect(r.stderr).toBe(readFileSync(path.join(golden, 'stderr.txt'), 'utf8'));
    },
  );
});
