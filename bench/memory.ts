// `node bench/memory.ts` (issue 21): where a full-path sync's memory goes. For each size, the
// HubSpot sandbox (own process, limits off, seed 1, partners = deals / 50, as `npm run bench --
// --scale`) is provisioned, then a full sync and the settle run after it (the incremental run that
// reads back the full sync's write-back) each run in their own process (bench/memory-sync.ts),
// with the V8 heap limit `npm run bench -- --scale` gives them. Printed per run: peak RSS, and per
// step its peak RSS and the heap in use when it began; at the end, MB per 100,000 deals.
//
//   node bench/memory.ts [--sizes 10000,100000] [--heap-snapshot STEP] [--max-old-space MB] [--gc-marks] [--keep] [--out FILE]
//
// --heap-snapshot writes a V8 heap snapshot in the full sync's process when STEP begins (e.g.
// `ledger`: the cache and the engine's output are alive), for Chrome DevTools' Memory tab;
// --gc-marks collects garbage at every step boundary, so the heap figures are what each step
// holds alive (its peak RSS is then not what the product reaches).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../test/helpers/run-node.ts';
import { SandboxProcess } from './sandbox-client.ts';
import { configText } from './scale.ts';
import type { MemoryRunOutput } from './memory-sync.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    'heap-snapshot': { type: 'string' },
    'max-old-space': { type: 'string', default: '8192' },
    'gc-marks': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const ENV = { HUBSPOT_ACCESS_TOKEN: 'bench-token', HUBSPOT_CLIENT_SECRET: 'memory-bench', LOG_LEVEL: 'warn' };

function child(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // --max-old-space 0: Node's own heap limit, as `partnersync sync` runs
    const limit = values['max-old-space'] === '0' ? [] : [`--max-old-space-size=${values['max-old-space']}`];
    const flags = [...limit, ...(values['gc-marks'] ? ['--expose-gc'] : [])];
    const c = spawn(process.execPath, [...flags, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...ENV },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    c.on('error', reject);
    c.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

interface SizeMemory {
  deals: number;
  full: MemoryRunOutput;
  settle: MemoryRunOutput;
}

async function measure(deals: number): Promise<SizeMemory> {
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-memory-'));
  const sandbox = await SandboxProcess.start({
    crm: 'hubspot',
    seed: 1,
    partners: Math.max(50, Math.round(deals / 50)),
    deals,
    limits: 'off',
  });
  try {
    const config = path.join(dir, 'partnersync.yaml');
    const portalId = (await sandbox.info()).portalId ?? '';
    writeFileSync(config, configText(sandbox.url, portalId, path.join(dir, 'store.db'), 0));
    const provision = await child(['test/reliability/cli-runner.ts', 'provision', '--config', config]);
    if (provision.code !== 0) throw new Error(`provision failed: ${provision.stderr}`);
    const asOf = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const sync = async (extra: string[]): Promise<MemoryRunOutput> => {
      const gc = values['gc-marks'] ? ['--gc-marks'] : [];
      const out = await child(['bench/memory-sync.ts', '--config', config, '--as-of', asOf, ...gc, ...extra]);
      const line = out.stdout.trim().split('\n').at(-1) ?? '';
      const parsed = JSON.parse(line === '' ? '{}' : line) as MemoryRunOutput;
      if (parsed.status !== 'succeeded') throw new Error(`sync ${parsed.status}: ${parsed.error ?? out.stderr}`);
      return parsed;
    };
    const snap = values['heap-snapshot'];
    const full = await sync(['--full', ...(snap === undefined ? [] : ['--heap-snapshot', snap])]);
    print(deals, 'full', full);
    await new Promise((r) => setTimeout(r, 1300)); // past the search overlap, as the scale bench
    const settle = await sync([]);
    print(deals, 'settle', settle);
    return { deals, full, settle };
  } finally {
    await sandbox.stop().catch(() => undefined);
    if (values.keep) console.log(`  store and config kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function print(deals: number, name: string, r: MemoryRunOutput): void {
  console.log(
    `\n${deals.toLocaleString('en-US')} deals, ${name}: peak RSS ${r.peakRssMb} MB, ${(r.wallMs / 1000).toFixed(1)} s` +
      (r.snapshot === undefined ? '' : `, heap snapshot ${r.snapshot}`),
  );
  console.log('  step               from (s)  peak RSS  heap used  heap total  external   (MB)');
  for (const s of r.steps)
    console.log(
      `  ${s.step.padEnd(18)} ${(s.startMs / 1000).toFixed(1).padStart(8)} ${String(s.peakRssMb).padStart(9)} ${String(s.heapUsedMb).padStart(10)} ${String(s.heapTotalMb).padStart(11)} ${String(s.externalMb).padStart(9)}`,
    );
}

const results: SizeMemory[] = [];
for (const deals of values.sizes.split(',').map(Number)) results.push(await measure(deals));
console.log('\n| deals | full sync peak RSS (MB) | settle peak RSS (MB) | MB per 100k deals (full) |');
console.log('|---|---|---|---|');
for (const r of results)
  console.log(
    `| ${r.deals.toLocaleString('en-US')} | ${r.full.peakRssMb} | ${r.settle.peakRssMb} | ${Math.round((r.full.peakRssMb / r.deals) * 100_000)} |`,
  );
if (values.out !== undefined)
  writeFileSync(
    values.out,
    `${JSON.stringify(
      results.map((r) => ({
        ...r,
        full: { ...r.full, report: undefined },
        settle: { ...r.settle, report: undefined },
      })),
      null,
      2,
    )}\n`,
  );
