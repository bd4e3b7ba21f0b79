// A third CRM provider that lives only in the tests: the in-memory fake behind the provider
// contract (src/crm/provider.ts), with a config block, a secret, record links, a change-event
// source and a webhook receiver of its own. test/crm/third-provider.test.ts registers it next to
// the built-in providers and drives it through core code that was not edited for it.

import { z } from 'zod';
import { httpUrl } from '../../../src/config/crm-section.ts';
import type { ChangedRecords, EventSource, EventSourceContext, HttpReceiver } from '../../../src/crm/events.ts';
import { FakeCrm } from '../../../src/crm/fake/fake-crm.ts';
import { defineBlock, envValue, readBlock, type CrmProvider } from '../../../src/crm/provider.ts';

export const fakeBlock = defineBlock({
  key: 'fake',
  schema: z
    .strictObject({
      account: z.string().min(1).default('fake-account'),
      pageSize: z.number().int().min(1, { error: 'must be at least 1 record per page' }).default(3),
      recordUrl: httpUrl('https://fake-crm.example').default('https://fake-crm.example'),
    })
    .prefault({}),
  reference: [
    { key: '', default: '—', meaning: 'the test-only fake CRM' },
    { key: 'account', default: '`fake-account`', meaning: 'which in-memory account' },
    { key: 'pageSize', default: '`3`', meaning: 'records per pull page' },
    { key: 'recordUrl', default: '`https://fake-crm.example`', meaning: 'origin of record links' },
  ],
});

/** Changes a test announces, numbered like a CRM's event journal. */
export class FakeChangeFeed {
  readonly entries: { seq: number; records: ChangedRecords }[] = [];
  private readonly listeners = new Set<() => void>();

  push(records: ChangedRecords): number {
    const seq = this.entries.length + 1;
    this.entries.push({ seq, records });
    for (const l of this.listeners) l();
    return seq;
  }

  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Polls the feed from its checkpoint; commits each position after the sync that consumed it. */
class FakeFeedSource implements EventSource {
  readonly name = 'fake-feed';
  private readonly feed: FakeChangeFeed;
  private unsubscribe: (() => void) | null = null;
  private working: Promise<void> = Promise.resolve();

  constructor(feed: FakeChangeFeed) {
    this.feed = feed;
  }

  start(ctx: EventSourceContext): Promise<void> {
    const drain = async (): Promise<void> => {
      const position = Number((await ctx.checkpoint.get('seq')) ?? '0');
      for (const e of this.feed.entries.filter((x) => x.seq > position)) {
        if (ctx.signal.aborted) return;
        await ctx.onChanges(e.records);
        await ctx.checkpoint.set('seq', String(e.seq));
      }
    };
    const kick = (): void => {
      this.working = this.working.then(drain).catch((err: unknown) => {
        ctx.log.warn({ err }, 'fake feed: will retry on the next push');
      });
    };
    this.unsubscribe = this.feed.onPush(kick);
    kick();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.working;
  }
}

export interface FakeWorld {
  crm: FakeCrm;
  feed: FakeChangeFeed;
}

/** The provider, over in-memory accounts the test reaches through `worlds`. */
export function fakeProvider(seed: (crm: FakeCrm) => void): { provider: CrmProvider; worlds: Map<string, FakeWorld> } {
  const worlds = new Map<string, FakeWorld>();
  const world = (account: string, pageSize: number): FakeWorld => {
    let w = worlds.get(account);
    if (w === undefined) {
      const crm = new FakeCrm({ account, pageSize });
      seed(crm);
      w = { crm, feed: new FakeChangeFeed() };
      worlds.set(account, w);
    }
    return w;
  };
  const provider: CrmProvider = {
    name: 'fake',
    description: 'an in-memory CRM for tests',
    blocks: [fakeBlock],
    env: [{ name: 'FAKE_CRM_TOKEN', secret: true, meaning: 'the fake CRM’s API token' }],
    inProcessSandbox: false,
    checkConfig: () => [],
    checkEnv: (env) =>
      envValue(env, 'FAKE_CRM_TOKEN') === undefined ? [{ path: 'FAKE_CRM_TOKEN', message: 'is not set' }] : [],
    createAdapter: (ctx) => {
      const settings = readBlock(ctx.crm, fakeBlock);
      const token = envValue(ctx.env, 'FAKE_CRM_TOKEN') ?? '';
      // under a key no log path list knows: only redaction by value can hide it
      ctx.logger.info({ connection: `fake://${token}@${settings.account}` }, 'fake CRM: connecting');
      return Promise.resolve(world(settings.account, settings.pageSize).crm);
    },
    links: (settings) => {
      const base = readBlock(settings.crm, fakeBlock).recordUrl.replace(/\/+$/, '');
      return {
        label: 'Fake CRM',
        partner: (id) => (/^[\w-]+$/.test(id) ? `${base}/partners/${id}` : null),
        deal: (id) => (/^[\w-]+$/.test(id) ? `${base}/deals/${id}` : null),
      };
    },
    eventSources: (ctx) => {
      const settings = readBlock(ctx.crm, fakeBlock);
      return [new FakeFeedSource(world(settings.account, settings.pageSize).feed)];
    },
    receivers: (ctx): HttpReceiver[] => {
      const token = envValue(ctx.env, 'FAKE_CRM_TOKEN');
      return [
        {
          name: 'fake-webhooks',
          path: 'fake',
          verify: (_body, headers) =>
            token !== undefined && headers['x-fake-token'] === token
              ? { ok: true }
              : { ok: false, status: 401, code: 'invalid_signature', message: 'bad token', metric: 'refused' },
          parse: (body) => {
            const ids = z.array(z.string()).parse(JSON.parse(body.toString('utf8')));
            return ids.map((id) => ({ eventIds: [id], records: { deals: [id], partners: [] } }));
          },
        },
      ];
    },
  };
  return { provider, worlds };
}
