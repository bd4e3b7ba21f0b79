// Engine-only benchmark (issue 2): a synthetic program of 1,000,000 deals and 10,000 partners,
// generated in memory, computed once; prints compute time and peak RSS.
// Usage: npm run bench:engine [-- --deals N --partners N]

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { computeResult } from '../src/domain/engine.ts';
import { syntheticSnapshot } from './synthetic.ts';
import { loadConfigFile } from '../src/config/load.ts';

const { values } = parseArgs({ options: { deals: { type: 'string', default: '1000000' }, partners: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } } });
const dealCount = Number(values.deals);
const partnerCount = Number(values.partners);

const asOf = Date.parse('2026-11-15T12:00:00Z');
const { program } = loadConfigFile('config/examples/program.yaml');
let t = performance.now();
const snapshot = syntheticSnapshot(dealCount, partnerCount, asOf);
const generateMs = performance.now() - t;
const rssAfterGenerate = process.memoryUsage().rss;
t = performance.now();
const { result } = computeResult(program, snapshot, { asOf });
const computeMs = performance.now() - t;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const figures = {
  deals: dealCount,
  partners: partnerCount,
  generateSeconds: +(generateMs / 1000).toFixed(2),
  computeSeconds: +(computeMs / 1000).toFixed(2),
  dealsPerSecond: Math.round(dealCount / (computeMs / 1000)),
  rssAfterGenerateMb: Math.round(rssAfterGenerate / 1048576),
  peakRssMb: Math.round(peakRssMb),
  attributionRows: result.attribution.length,
  commissionEntries: result.commissions.length,
  alerts: result.alerts.length,
  rejected: result.rejected.length,
};
if (values.json) console.log(JSON.stringify(figures));
else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(20)} ${v}`);
