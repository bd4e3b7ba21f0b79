// Compares the API calls of a `npm run bench -- --quick` run with the committed golden counts
// (bench-quick-calls.json). Exit 1 and every difference when they differ.
//   node test/golden/bench-calls.ts [bench/results/quick.json]
import { readFileSync } from 'node:fs';

interface Scenario {
  name: string;
  crm?: string | null;
  apiCalls: number;
  callsByEndpoint: Record<string, number>;
}

const file = process.argv[2] ?? 'bench/results/quick.json';
const run = (JSON.parse(readFileSync(file, 'utf8')) as { scenarios: Scenario[] }).scenarios.filter((s) => s.crm);
const golden = (JSON.parse(readFileSync('test/golden/bench-quick-calls.json', 'utf8')) as { scenarios: Scenario[] })
  .scenarios;
const problems: string[] = [];
if (run.length !== golden.length) problems.push(`${String(run.length)} scenarios, golden has ${String(golden.length)}`);
golden.forEach((g, i) => {
  const r = run[i];
  if (r === undefined) return;
  if (r.name !== g.name) problems.push(`scenario ${String(i)}: ${r.name}, golden ${g.name}`);
  if (r.apiCalls !== g.apiCalls) problems.push(`${g.name}: ${String(r.apiCalls)} calls, golden ${String(g.apiCalls)}`);
  const keys = new Set([...Object.keys(r.callsByEndpoint), ...Object.keys(g.callsByEndpoint)]);
  for (const k of keys) {
    const a = r.callsByEndpoint[k] ?? 0;
    const b = g.callsByEndpoint[k] ?? 0;
    if (a !== b) problems.push(`${g.name}: ${k} ${String(a)}, golden ${String(b)}`);
  }
});
for (const p of problems) process.stdout.write(`${p}\n`);
process.stdout.write(
  problems.length === 0
    ? `identical: ${String(golden.length)} scenarios\n`
    : `${String(problems.length)} differences\n`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
