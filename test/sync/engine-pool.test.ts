// Issue 21: KPIs computed in the engine worker equal the in-process engine, and the event loop
// keeps turning (an HTTP server keeps answering) while a large computation runs in the worker.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { computeResult } from '../../src/domain/engine.ts';
import { parsePeriod } from '../../src/domain/time.ts';
import { computeKpisOffLoop, stopEngineWorker } from '../../src/sync/engine-pool.ts';

const asOf = Date.parse('2026-11-15T12:00:00Z');
const { program } = loadConfigFile('config/examples/program.yaml');

afterAll(async () => stopEngineWorker());

describe('engine worker (issue 21)', () => {
  it('computes the same KPIs as the engine in-process', async () => {
    const snapshot = syntheticSnapshot(2_000, 60, asOf);
    for (const period of [undefined, parsePeriod('2026-Q3') ?? undefined]) {
      const { result } = computeResult(program, snapshot, { asOf, period });
      const off = await computeKpisOffLoop(program, snapshot, { asOf, period });
      expect(off).toEqual({
        asOf: result.asOf,
        currency: result.currency,
        period: result.period,
        partners: result.partners,
        recipes: result.recipes,
        program: result.program,
      });
    }
  });

  it('reports an engine failure as a rejected promise', async () => {
    const bad = { partners: [{ id: 'p1' }], deals: 'not an array' } as never;
    await expect(computeKpisOffLoop(program, bad, { asOf })).rejects.toThrow(/engine worker/);
  });

  it('keeps answering HTTP requests while a large computation runs', async () => {
    const snapshot = syntheticSnapshot(60_000, 600, asOf);
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    let done = false;
    let answered = 0;
    const job = computeKpisOffLoop(program, snapshot, { asOf }).finally(() => {
      done = true;
    });
    const poll = (async () => {
      while (!done) {
        const res = await fetch(url);
        if ((await res.text()) === 'ok') answered += 1;
      }
    })();
    const kpis = await job;
    await poll;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    expect(kpis.partners.length).toBe(600);
    // in-process, the engine would hold the loop for the whole computation: at most the one
    // request already in flight could be answered; off the loop, the poller keeps going
    expect(answered).toBeGreaterThan(1);
  }, 120_000);
});
