// The journal source against the sandbox's journal (real HTTP), with a context that records what
// it is asked: a failed sync leaves the offset where it was and the same changes are offered
// again; a first start on an empty journal reads everything that appears later; stop() ends
// the polling at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangedRecords, EventSourceContext } from '../../src/crm/events.ts';
import { JournalClient } from '../../src/crm/hubspot/journal-client.ts';
import { desiredSubscriptions } from '../../src/crm/hubspot/journal-provision.ts';
import { FROM_EARLIEST, hubspotJournalSource, OFFSET_KEY } from '../../src/crm/hubspot/journal-source.ts';
import { silentLogger } from '../../src/log.ts';
import { isHubspotPersonality, type HubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { ANCHOR } from './hubspot-fixtures.ts';

let sandbox: SandboxHandle;
let personality: HubspotPersonality;
let client: JournalClient;

beforeAll(async () => {
  sandbox = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 4, deals: 20 });
  const p = sandbox.state.personality;
  if (!isHubspotPersonality(p)) throw new Error('not hubspot');
  personality = p;
  client = new JournalClient({
    basePath: sandbox.url,
    credentials: { clientId: 'app', clientSecret: 'secret' },
    requestTimeoutMs: 5000,
    logger: silentLogger(),
  });
  for (const d of desiredSubscriptions(personality.state.portalId)) await client.upsertSubscription(d.input);
});
afterAll(async () => {
  await sandbox.stop();
});

function context(failFirst: number): {
  ctx: EventSourceContext;
  stored: Map<string, string>;
  offered: ChangedRecords[];
  abort: AbortController;
} {
  const stored = new Map<string, string>();
  const offered: ChangedRecords[] = [];
  const abort = new AbortController();
  let failures = failFirst;
  const ctx: EventSourceContext = {
    checkpoint: {
      get: (key) => Promise.resolve(stored.get(key) ?? null),
      set: (key, value) => {
        stored.set(key, value);
        return Promise.resolve();
      },
    },
    onChanges: (records) => {
      offered.push(records);
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('the targeted sync failed'));
      }
      return Promise.resolve();
    },
    requestSync: () => Promise.resolve(),
    log: silentLogger(),
    signal: abort.signal,
  };
  return { ctx, stored, offered, abort };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const liveDeal = (): string => personality.state.tables.deals.all().find((d) => d.archivedAt === null)?.id ?? '';

describe('hubspot journal source', () => {
  it('on an empty journal starts from the earliest entry, and reads what appears later', async () => {
    expect(personality.journal.entries()).toEqual([]);
    const { ctx, stored, offered } = context(0);
    const source = hubspotJournalSource({
      client,
      portalId: () => Promise.resolve(String(personality.state.portalId)),
      pollMs: 20,
    });
    await source.start(ctx);
    expect(stored.get(OFFSET_KEY)).toBe(FROM_EARLIEST);
    const changed = sandbox.state.mutate(1);
    await until('the change is offered', () => offered.length > 0);
    expect(offered[0]).toEqual({ deals: changed, partners: [] });
    await until('the offset is stored', () => stored.get(OFFSET_KEY) === personality.journal.entries().at(-1)?.offset);
    await source.stop();
  });

  it('keeps its offset while the sync fails and offers the same changes again', async () => {
    const { ctx, stored, offered } = context(2);
    stored.set(OFFSET_KEY, personality.journal.entries().at(-1)?.offset ?? '');
    const before = stored.get(OFFSET_KEY);
    const source = hubspotJournalSource({
      client,
      portalId: () => Promise.resolve(String(personality.state.portalId)),
      pollMs: 20,
      maxBackoffMs: 40,
    });
    await source.start(ctx);
    const deal = liveDeal();
    const company = personality.state.tables.companies.all().find((c) => c.props['type'] !== 'PARTNER');
    personality.setDealCompany(deal, company?.id ?? '');
    await until('offered twice', () => offered.length >= 2);
    expect(stored.get(OFFSET_KEY)).toBe(before);
    await until('the third attempt succeeds and the offset moves', () => stored.get(OFFSET_KEY) !== before);
    expect(offered.slice(0, 3)).toEqual([0, 1, 2].map(() => ({ deals: [deal], partners: [] })));
    expect(stored.get(OFFSET_KEY)).toBe(personality.journal.entries().at(-1)?.offset);
    await source.stop();
  });

  it('refuses to start when the journal cannot be read (the app’s credentials are refused)', async () => {
    const refused = new JournalClient({
      basePath: sandbox.url,
      credentials: { clientId: '', clientSecret: '' },
      requestTimeoutMs: 5000,
      logger: silentLogger(),
      retry: { maxAttempts: 1 },
    });
    const { ctx } = context(0);
    const source = hubspotJournalSource({ client: refused, portalId: () => Promise.resolve('1'), pollMs: 20 });
    await expect(source.start(ctx)).rejects.toThrow(/oauth\/v1\/token/);
  });
});
