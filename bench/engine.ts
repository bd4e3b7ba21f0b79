// Engine-only benchmark (issue 2): a synthetic program of 1,000,000 deals and 10,000 partners,
// generated in memory, computed once; prints compute time and peak RSS.
// Usage: npm run bench:engine [-- --deals N --partners N]

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { computeDetailed } from '../src/domain/engine.ts';
import { syntheticSnapshot } from './synthetic.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { writeResultJson } from '../src/sync/compute-snapshot.ts';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '1000000' },
    partners: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
  },
});
const dealCount = Number(values.deals);
const partnerCount = Number(values.partners);

const asOf = Date.parse('2026-11-15T12:00:00Z');
const { program } = loadConfigFile('config/examples/program.yaml');
let t = performance.now();
const snapshot = syntheticSnapshot(dealCount, partnerCount, asOf);
const generateMs = performance.now() - t;
const rssAfterGenerate = process.memoryUsage().rss;
t = performance.now();
const { result, details } = computeDetailed(program, snapshot, { asOf });
const computeMs = performance.now() - t;
const computePeakRssMb = process.resourceUsage().maxRSS / 1024;
// what `partnersync compute` does next: stream result.json (here into a byte counter)
t = performance.now();
let jsonBytes = 0;
writeResultJson(result, details, (chunk) => {
  jsonBytes += Buffer.byteLength(chunk);
});
const writeMs = performance.now() - t;

const peakRssMb = process.resourceUsage().maxRSS / 1024;
const figures = {
  deals: dealCount,
  partners: partnerCount,
  generateSeconds: +(generateMs / 1000).toFixed(2),
  computeSeconds: +(computeMs / 1000).toFixed(2),
  dealsPerSecond: Math.round(dealCount / (computeMs / 1000)),
  rssAfterGenerateMb: Math.round(rssAfterGenerate / 1048576),
  peakRssMb: Math.round(computePeakRssMb),
  peakRssWithWriteMb: Math.round(peakRssMb),
  writeJsonSeconds: +(writeMs / 1000).toFixed(2),
  resultJsonMb: Math.round(jsonBytes / 1048576),
  attributionRows: details.rows.length,
  commissionEntries: details.entries.length,
  alerts: result.alerts.length,
  rejected: result.rejected.length,
};
if (values.json) console.log(JSON.stringify(figures));
else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(20)} ${v}`);
