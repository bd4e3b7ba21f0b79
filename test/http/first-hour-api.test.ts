// Issue 17 item 11 for the API and metrics: every timestamp in a /v1 JSON response is ISO 8601
// (runs and partners' open alerts were epoch milliseconds), and the last-successful-sync gauge
// is set from the store when the service starts, before any sync of its own.

import { describe, expect, it } from 'vitest';
import { startTestService, TOKENS } from './service-helpers.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
/** Keys that hold instants in the API's JSON. */
const TIME_KEY = /(?:At|^asOf|^statusAsOf|^next)$/;

/** Every value under a time-like key, with its path. */
function instants(value: unknown, path = '$'): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => instants(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    ...(TIME_KEY.test(k) && (typeof v !== 'object' || v === null) ? [{ path: `${path}.${k}`, value: v }] : []),
    ...instants(v, `${path}.${k}`),
  ]);
}

describe('the first hour, in the API', () => {
  it('writes every timestamp of the /v1 JSON responses as ISO 8601', async () => {
    const svc = await startTestService();
    try {
      const runs = (await (await svc.get('/v1/runs', TOKENS.viewer)).json()) as { runs: { id: string }[] };
      const runId = runs.runs[0]?.id ?? '';
      expect((await svc.post('/v1/periods/2026-01/close', TOKENS.finance)).status).toBe(200);
      const paths = [
        ['/v1/runs', TOKENS.viewer],
        [`/v1/runs/${runId}`, TOKENS.viewer],
        ['/v1/partners', TOKENS.viewer],
        ['/v1/partners/p1', TOKENS.viewer],
        ['/v1/kpis', TOKENS.viewer],
        ['/v1/recipes', TOKENS.viewer],
        ['/v1/exports/commissions?period=2026-02&format=json', TOKENS.finance],
        ['/v1/statements/p1?period=2026-02&format=json', TOKENS.finance],
        ['/v1/audit', TOKENS.admin],
      ] as const;
      let checked = 0;
      for (const [p, token] of paths) {
        const res = await svc.get(p, token);
        expect(res.status, p).toBe(200);
        for (const { path, value } of instants(await res.json())) {
          if (value === null) continue;
          expect(value, `${p} ${path}`).toMatch(ISO);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      const run = (await (await svc.get(`/v1/runs/${runId}`, TOKENS.viewer)).json()) as Record<string, unknown>;
      expect(run).toMatchObject({ startedAt: '2026-03-20T12:00:00.000Z', asOf: '2026-03-20T12:00:00.000Z' });
    } finally {
      await svc.stop();
    }
  });

  it('sets the last-successful-sync gauge from the store at start-up', async () => {
    const first = await startTestService();
    await first.stop();
    // a restart on the same store: the sync happened before this process began
    const svc = await startTestService({ storeUrl: first.storeUrl });
    try {
      const finished = Date.parse('2026-03-20T12:00:00Z') / 1000;
      await expect
        .poll(async () => {
          const text = await (await svc.get('/metrics', TOKENS.viewer)).text();
          return /^partnersync_last_successful_sync_timestamp_seconds (\S+)$/m.exec(text)?.[1];
        })
        .toBe(String(finished));
    } finally {
      await svc.stop();
    }
  });
});
