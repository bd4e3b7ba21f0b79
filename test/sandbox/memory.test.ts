// Size: 100,000 deals must fit well under 1 GB (issue 3, "Size"). Memory is measured and loosely
// asserted; times are printed for the report, never asserted.

import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { generateSeed } from '../../src/sandbox/seed-model.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import { bearer, getJson } from './helpers.ts';

const MB = 1024 * 1024;
const mb = (n: number): string => `${(n / MB).toFixed(0)} MB`;

describe('size', () => {
  it('generates 100,000 deals and serves them from a HubSpot sandbox in well under 1 GB', async () => {
    const t0 = performance.now();
    const seed = generateSeed({ seed: 1, partners: 500, deals: 100_000, anchor: '2026-06-01T00:00:00Z' });
    const generatedMs = performance.now() - t0;
    expect(seed.deals).toHaveLength(100_000);
    const afterSeed = process.memoryUsage();

    const t1 = performance.now();
    const sandbox = await startSandbox({
      crm: 'hubspot',
      partners: 500,
      deals: 100_000,
      anchor: '2026-06-01T00:00:00Z',
      limits: 'off',
    });
    const startedMs = performance.now() - t1;
    try {
      const t2 = performance.now();
      const search = await getJson(`${sandbox.url}/crm/v3/objects/deals/search`, {
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify({
          filterGroups: [{ filters: [{ propertyName: 'dealstage', operator: 'EQ', value: 'closedwon' }] }],
          sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }],
          limit: 200,
        }),
      });
      const searchMs = performance.now() - t2;
      expect((search.body as { total: number }).total).toBeGreaterThan(20_000);
      const afterStart = process.memoryUsage();
      console.log(
        `[sandbox size] 100,000 deals / 500 partners: generateSeed ${generatedMs.toFixed(0)} ms (heap ${mb(afterSeed.heapUsed)}, rss ${mb(afterSeed.rss)}); ` +
          `startSandbox(hubspot) ${startedMs.toFixed(0)} ms; one sorted search over all deals ${searchMs.toFixed(0)} ms; ` +
          `with both in memory: heap ${mb(afterStart.heapUsed)}, rss ${mb(afterStart.rss)}`,
      );
      expect(afterStart.rss).toBeLessThan(1024 * MB);
    } finally {
      await sandbox.stop();
    }
  });

  it('starts the demo size (50 partners, 2,000 deals) quickly', async () => {
    const t0 = performance.now();
    const sandbox = await startSandbox({ crm: 'hubspot' });
    console.log(`[sandbox size] demo (50 partners / 2,000 deals) started in ${(performance.now() - t0).toFixed(0)} ms`);
    try {
      expect(sandbox.state.dump()).toHaveProperty('hubspot');
    } finally {
      await sandbox.stop();
    }
  });
});
