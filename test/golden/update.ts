// Regenerates the golden compute output (see cases.ts): `node test/golden/update.ts`.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { runCli } from '../helpers/cli.ts';
import { GOLDEN_CASES, GOLDEN_DIR, computeArgs } from './cases.ts';

for (const c of GOLDEN_CASES) {
  if (c.synthetic !== undefined && !existsSync(c.snapshot)) {
    mkdirSync(path.dirname(c.snapshot), { recursive: true });
    const s = c.synthetic;
    writeFileSync(
      c.snapshot,
      `${JSON.stringify(syntheticSnapshot(s.deals, s.partners, Date.parse(c.asOf), s.seed), null, 1)}\n`,
    );
  }
  const out = path.join(GOLDEN_DIR, 'out', c.name);
  const r = await runCli(computeArgs(c, out));
  if (r.code !== 0) throw new Error(`${c.name}: compute exited ${r.code}: ${r.stderr}`);
  writeFileSync(path.join(out, 'stdout.txt'), r.stdout.replaceAll(path.resolve(out), '<out>'));
  writeFileSync(path.join(out, 'stderr.txt'), r.stderr);
  process.stdout.write(`${c.name}: ${out}\n`);
}
