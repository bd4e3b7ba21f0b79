// The dashboard's Rejected deals page lists the deals the last computation left out. An idle run
// (issue 21) computes nothing and records no list: the page then shows the list of the run whose
// results stand (the idle run's skipped.computedBy), not an empty one.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deal } from '../sync/helpers.ts';
import { seedUiProgram, signIn, startUiService, TOKENS, type UiService } from './ui-service.ts';

let svc: UiService;

beforeAll(async () => {
  svc = await startUiService({
    seed: (crm) => {
      seedUiProgram(crm);
      crm.upsertDeal(deal('d-bad-amount', { amount: '12,000', sourcePartnerId: null }));
    },
  });
});
afterAll(async () => {
  await svc.stop();
});

describe('rejected deals after an idle run', () => {
  it('shows the list of the run whose results stand', async () => {
    // the first incremental run after start-up re-reads what the fake CRM lists as modified at
    // the same instant; the next one finds nothing new and skips
    let skipped: { computedBy: string } | undefined;
    for (let i = 0; i < 3 && skipped === undefined; i++) {
      const started = await fetch(`${svc.url}/v1/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(started.status).toBe(202);
      const { runId } = (await started.json()) as { runId: string };
      await svc.syncs.idle();
      const run = await svc.api<{ status: string; report: { skipped?: { computedBy: string } } }>(
        `/v1/runs/${runId}`,
        TOKENS.viewer,
      );
      expect(run.status).toBe('succeeded');
      skipped = run.report.skipped;
    }
    expect(skipped?.computedBy).toEqual(expect.any(String));

    const c = await signIn(svc.url, TOKENS.viewer);
    const res = await c.get('/ui/rejected');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('d-bad-amount');
    expect(page).toContain('AMOUNT_INVALID');
  });
});
