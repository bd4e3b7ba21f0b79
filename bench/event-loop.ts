// Event-loop lag while the KPIs of a large synthetic program are computed (issue 21): once on
// the event loop (as `serve` did), once in the engine worker (engine-pool.ts). Reports the lag
// percentiles from perf_hooks.monitorEventLoopDelay and how many 10 ms timer ticks ran, the
// figures a /healthz probe would feel. Not a test: nothing is asserted.
// Usage: npm run bench:loop [-- --deals N --partners N]

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../src/config/load.ts';
import { computeResult } from '../src/domain/engine.ts';
import { computeKpisOffLoop, stopEngineWorker } from '../src/sync/engine-pool.ts';
import { syntheticSnapshot } from './synthetic.ts';

const { values } = parseArgs({
  options: { deals: { type: 'string', default: '100000' }, partners: { type: 'string', default: '1000' } },
});
const asOf = Date.parse('2026-11-15T12:00:00Z');
const { program } = loadConfigFile('config/examples/program.yaml');
const snapshot = syntheticSnapshot(Number(values.deals), Number(values.partners), asOf);
const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

for (const mode of ['event-loop', 'worker'] as const) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 10);
  const started = performance.now();
  if (mode === 'worker') await computeKpisOffLoop(program, snapshot, { asOf });
  else {
    await pause(20);
    computeResult(program, snapshot, { asOf });
    await pause(20);
  }
  const ms = performance.now() - started;
  clearInterval(timer);
  lag.disable();
  console.log(
    JSON.stringify({
      mode,
      deals: snapshot.deals.length,
      computeMs: Math.round(ms),
      ticksOf10ms: ticks,
      lagP50Ms: Math.round(lag.percentile(50) / 1e6),
      lagP99Ms: Math.round(lag.percentile(99) / 1e6),
      lagMaxMs: Math.round(lag.max / 1e6),
      rssMb: Math.round(process.memoryUsage().rss / 1048576),
    }),
  );
}
await stopEngineWorker();
