// Issue 14: the writes the CRM refused, on the dashboard (/ui/write-failures) and in the API
// (GET /v1/write-failures): the record, the properties named, the CRM's message (escaped) and
// when it is tried again. The refusals come from the store, as a sync leaves them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIL_NAME, signIn, startUiService, TOKENS, type UiService } from './ui-service.ts';

let svc: UiService;
let account: string;
const AT = Date.parse('2026-03-20T11:00:00Z');

beforeAll(async () => {
  svc = await startUiService();
  account = await svc.crm.accountKey();
  // recorded under the account's lock, as a sync does (the fence is checked)
  const lock = await svc.store.lock(account, 0);
  await svc.store.saveRefusals(
    account,
    [
      {
        object: 'deal',
        recordId: 'd-refused',
        fields: { commission: '120.00' },
        properties: ['closed_lost_reason'],
        message: `deals d-refused: closed_lost_reason must have a value ${EVIL_NAME}`,
        runId: 'run-1',
        at: AT,
      },
      {
        object: 'task',
        recordId: 'partnersync:ep-1',
        fields: { partnerId: 'p1', subject: 'Check in with the partner' },
        properties: ['hs_task_reminders'],
        message: 'hs_task_reminders is required to create a record of tasks in this portal',
        runId: 'run-1',
        at: AT,
      },
    ],
    [],
    lock.fence,
  );
  await lock.release();
});
afterAll(async () => {
  await svc.stop();
});

describe('write failures', () => {
  it('the dashboard lists each refused write with its record, properties, message and retry time', async () => {
    const c = await signIn(svc.url, TOKENS.viewer);
    const res = await c.get('/ui/write-failures');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('href="/ui/write-failures"');
    expect(page).toMatch(/<tr data-object="deal" data-record="d-refused">[\s\S]*closed_lost_reason[\s\S]*<\/tr>/);
    expect(page).toMatch(
      /<tr data-object="task" data-record="partnersync:ep-1">[\s\S]*Check in with the partner[\s\S]*hs_task_reminders/,
    );
    // the CRM's message is text, never markup
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;');
  });

  it('GET /v1/write-failures answers the same for viewers, and nothing without a token', async () => {
    const body = await svc.api<{
      failures: { object: string; recordId: string; properties: string[]; retryAfter: string }[];
    }>('/v1/write-failures', TOKENS.viewer);
    expect(body.failures.map((f) => [f.object, f.recordId, f.properties])).toEqual(
      expect.arrayContaining([
        ['deal', 'd-refused', ['closed_lost_reason']],
        ['task', 'partnersync:ep-1', ['hs_task_reminders']],
      ]),
    );
    expect(body.failures[0]?.retryAfter).toBe('2026-03-21T11:00:00.000Z');
    expect((await fetch(`${svc.url}/v1/write-failures`)).status).toBe(401);
  });
});
