// A served account holding 30-digit amounts (docs/finance-rules.md §10.2), on SQLite and
// PostgreSQL: the won deal whose commission the ledger cannot hold is on the Rejected deals page
// and in the run's report with the amount, the limit and the fix; the 30-digit deals that stay
// (one sourced by a partner paid a fixed fee, an open one) reach the KPI reads and every dashboard page with every digit
// and overflow nothing on the way (read models, sort columns, KPI sums).

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { deal, seedCrm, storeTargets } from '../sync/helpers.ts';
import { signIn } from '../ui/ui-service.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

const HUGE = '123456789012345678901234567890.99';

describe.each(storeTargets())('30-digit amounts served on $name', (target) => {
  let svc: TestService;
  const api = async <T>(path: string): Promise<T> => {
    const res = await svc.get(path, TOKENS.viewer);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    const crm = new FakeCrm({ account: `acct-limit-${randomUUID()}`, pageSize: 50 });
    seedCrm(crm);
    // p1's referral plan (10%, no cap): rejected; p3's retainer (no per-deal commission): kept
    crm.upsertDeal(deal('huge-won', { amount: HUGE, sourcePartnerId: 'p1' }));
    crm.upsertDeal(deal('huge-fee', { amount: HUGE, sourcePartnerId: 'p3' }));
    crm.upsertDeal(deal('huge-open', { amount: HUGE, stage: 'open', closedAt: null, sourcePartnerId: 'p2' }));
    svc = await startTestService({ crm, seed: () => undefined, storeUrl: target.url() });
  }, 60_000);
  afterAll(async () => {
    await svc.stop();
  });

  it('lists the rejected deal with the amount, the limit and the fix; the run succeeded', async () => {
    const runs = await api<{
      runs: {
        status: string;
        report: { snapshot: { rejected: { dealId: string; reason: string; detail: string }[] } };
      }[];
    }>('/v1/runs?limit=1');
    const run = runs.runs[0];
    expect(run?.status).toBe('succeeded');
    const rejected = run?.report.snapshot.rejected ?? [];
    expect(rejected.map((r) => [r.dealId, r.reason])).toEqual([['huge-won', 'COMMISSION_TOO_LARGE']]);
    const ui = await signIn(svc.url, TOKENS.viewer);
    const res = await ui.get('/ui/rejected');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/data-deal-id="huge-won" data-reason="COMMISSION_TOO_LARGE"/);
    expect(page).toContain(HUGE);
    expect(page).toContain('90071992547409.91 USD');
    expect(page).toContain('capPerDeal');
    expect(page).not.toContain('huge-fee');
  });

  it('shows the kept 30-digit deals with every digit in the KPIs and on every page', async () => {
    const kpis = await api<{ partners: { id: string; kpis: { attributedRevenue: string } }[] }>(
      '/v1/kpis?period=2026-02&limit=500',
    );
    expect(kpis.partners.find((p) => p.id === 'p3')?.kpis.attributedRevenue).toBe(HUGE);
    // the open deal: p2's pipeline as of the run
    expect(JSON.stringify(await api('/v1/kpis?period=2026-03&limit=500'))).toContain('123456789012345678901234567890');
    // a period computed on demand (not stored by the run) rejects the same deal: p1's revenue is
    // without it, p3's with every digit
    const year = await api<{ partners: { id: string; kpis: { attributedRevenue: string } }[] }>(
      '/v1/kpis?period=2026&limit=500',
    );
    expect(year.partners.find((p) => p.id === 'p3')?.kpis.attributedRevenue).toBe(HUGE);
    expect(year.partners.find((p) => p.id === 'p1')?.kpis.attributedRevenue).toMatch(/^\d{1,8}\.\d\d$/);
    const ui = await signIn(svc.url, TOKENS.finance);
    for (const path of [
      '/ui',
      '/ui?period=2026-02',
      '/ui/partners?sort=attributed&dir=desc',
      '/ui/partners/p3',
      '/ui/partners/p2',
      '/ui/recipes',
      '/ui/alerts',
    ]) {
      const res = await ui.get(path);
      expect(res.status, path).toBe(200);
    }
    const top = await (await ui.get('/ui/partners?sort=attributed&dir=desc&size=1')).text();
    expect(top).toContain('data-partner-id="p3"');
  });

  it('refuses a manual adjustment beyond what one ledger entry holds with a 400 naming the field and the limit', async () => {
    const propose = (amount: string) =>
      svc.post('/v1/adjustments', TOKENS.finance, {
        partnerId: 'p1',
        amount,
        reason: 'ticket 1',
        description: 'Bonus',
        period: '2026-03',
      });
    for (const amount of [HUGE, '-90071992547409.92']) {
      const res = await propose(amount);
      expect(res.status, amount).toBe(400);
      const message = ((await res.json()) as { error: { message: string } }).error.message;
      expect(message).toContain('amount');
      expect(message).toContain('90071992547409.91 USD');
    }
    expect((await propose('-90071992547409.91')).status).toBe(201);
  });
});
