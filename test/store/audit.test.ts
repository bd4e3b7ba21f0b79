// The audit log on SQLite and PostgreSQL: entries keep their recording order within one instant,
// filters by action, actor and time, newest first.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import { storeTargets } from '../sync/helpers.ts';

describe.each(storeTargets())('the audit log on $name', (target) => {
  it('appends entries and reads them back filtered, newest first, in recording order within an instant', async () => {
    const store = await openStore(target.url());
    const actor = `ana-${randomUUID()}`;
    const at = 1_774_000_000_000;
    for (const [i, action] of (['signin', 'export.download', 'period.close', 'signout'] as const).entries())
      await store.appendAudit({ at: at + (i < 3 ? 0 : 1000), actor, action, target: `t${i}`, detail: { i } });
    const all = await store.auditEntries({ actor, limit: 10 });
    expect(all.map((e) => e.action)).toEqual(['signout', 'period.close', 'export.download', 'signin']);
    expect(all[1]).toMatchObject({ actor, target: 't2', detail: { i: 2 }, at });
    expect((await store.auditEntries({ actor, action: 'period.close', limit: 10 })).map((e) => e.target)).toEqual([
      't2',
    ]);
    expect(await store.auditEntries({ actor, from: at + 1, limit: 10 })).toHaveLength(1);
    expect(await store.auditEntries({ actor, to: at + 1, limit: 2 })).toHaveLength(2);
    await store.close();
  });
});
