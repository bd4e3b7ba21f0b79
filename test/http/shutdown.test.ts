import { describe, expect, it } from 'vitest';
import { startTestService, TOKENS } from './service-helpers.ts';

describe('graceful shutdown', () => {
  it('stops taking requests, stops the running sync at a checkpoint, closes the store; the next run resumes', async () => {
    const svc = await startTestService();
    // a slow CRM: each page of the pull takes a while
    svc.fake.pageSize = 1;
    const pull = svc.fake.pull.bind(svc.fake);
    let pages = 0;
    svc.fake.pull = async function* (request) {
      for await (const page of pull(request)) {
        pages++;
        await new Promise((r) => setTimeout(r, 20));
        yield page;
      }
    };
    const res = await svc.post('/v1/sync', TOKENS.admin, { full: true });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    while (pages < 2) await new Promise((r) => setTimeout(r, 5));
    await svc.stop();
    expect(pages).toBeLessThan(11); // stopped well before the 11 records of the full pull
    await expect(fetch(`${svc.url}/healthz`)).rejects.toThrow();

    // the run was recorded as stopped (not failed), and a new service resumes the pull
    const { openStore } = await import('../../src/store/open-store.ts');
    const store = await openStore(svc.storeUrl);
    try {
      const run = await store.getRun(runId);
      expect(run?.status).toBe('stopped');
      const state = await store.pullState(run?.account ?? '');
      expect(state?.done).toBe(false);
    } finally {
      await store.close();
    }
  });
});
