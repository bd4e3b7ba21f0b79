// The audit log and the admin routes: named tokens act under their names (period close, exports,
// statements, manual syncs), the loaded config's hash is recorded at start-up when it changed,
// dashboard sign-ins and failed ones are recorded, and /v1/audit (JSON and CSV) and
// /v1/notifications answer admins only.

import { describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/http/auth.ts';
import { client } from '../ui/ui-service.ts';
import { startTestService } from './service-helpers.ts';

const ANA = 'finance-ana-token-0123456789abcdef';
const ROOT_TOKEN = 'admin-root-token-0123456789abcdef';
const VIEW = 'viewer-plain-token-0123456789abcdef';
const TOKENS = `finance:ana:${ANA},admin:root:${ROOT_TOKEN},viewer:${VIEW}`;

interface AuditJson {
  entries: { at: string; actor: string; action: string; target: string | null; detail: Record<string, unknown> }[];
}

describe('named API tokens', () => {
  it('parse role:name:TOKEN, keep role#n for unnamed entries, and refuse duplicate or misleading names', () => {
    expect(parseTokens(TOKENS).map((t) => `${t.role} ${t.label}`)).toEqual([
      'finance ana',
      'admin root',
      'viewer viewer#3',
    ]);
    // a token that itself contains a colon stays one token when what precedes it is no name
    expect(parseTokens('viewer:abc def:0123456789abcdef')[0]?.label).toBe('viewer#1');
    expect(() => parseTokens(`finance:ana:${ANA},admin:ana:${ROOT_TOKEN}`)).toThrow(/the name ana is used twice/);
    // a name is letters, digits and ._@- only: "admin#1" is no name, so this is one (long) token
    expect(parseTokens(`finance:admin#1:${ANA}`)[0]?.label).toBe('finance#1');
  });
});

describe('the audit log', () => {
  it('records who closed a period, downloaded an export and a statement, and started a sync', async () => {
    const svc = await startTestService({ tokens: TOKENS });
    try {
      expect((await svc.get('/v1/exports/commissions?period=2026-02&format=csv', ANA)).status).toBe(200);
      expect((await svc.get('/v1/statements/p1?period=2026-02&format=json', ANA)).status).toBe(200);
      const close = await svc.post('/v1/periods/2026-02/close', ANA);
      expect(close.status).toBe(200);
      expect((await svc.store.periodCloses(svc.fake.account))[0]?.closedBy).toBe('ana');
      expect((await svc.post('/v1/sync', ROOT_TOKEN, {})).status).toBe(202);
      await svc.syncs.idle();

      const res = await svc.get('/v1/audit', ROOT_TOKEN);
      expect(res.status).toBe(200);
      const { entries } = (await res.json()) as AuditJson;
      const seen = entries.map((e) => `${e.actor} ${e.action} ${e.target ?? ''}`).reverse();
      expect(seen).toEqual([
        'config config.loaded test.yaml',
        'ana export.download 2026-02',
        'ana statement.download p1',
        'ana period.close 2026-02',
        `root sync.manual ${entries[0]?.target ?? ''}`,
      ]);
      for (const e of entries) expect(Date.parse(e.at)).toBeGreaterThan(0);
      expect(entries.find((e) => e.action === 'config.loaded')?.detail['hash']).toMatch(/^[0-9a-f]{64}$/);

      // filtered, and as CSV with the header first
      const closes = (await (await svc.get('/v1/audit?action=period.close', ROOT_TOKEN)).json()) as AuditJson;
      expect(closes.entries.map((e) => e.actor)).toEqual(['ana']);
      const csv = await svc.get('/v1/audit?format=csv&actor=ana', ROOT_TOKEN);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = (await csv.text()).trim().split('\r\n');
      expect(lines[0]).toBe('at,actor,action,target,detail');
      expect(lines).toHaveLength(4);
      // admins only
      expect((await svc.get('/v1/audit', ANA)).status).toBe(403);
      expect((await svc.get('/v1/notifications', ANA)).status).toBe(403);
      const notifications = await svc.get('/v1/notifications', ROOT_TOKEN);
      expect(notifications.status).toBe(200);
      expect(await notifications.json()).toEqual({ notifications: [], next: null });
      expect((await svc.get('/v1/audit?action=nonsense', ROOT_TOKEN)).status).toBe(400);
    } finally {
      await svc.stop();
    }
  });

  it('records the config hash at start-up only when the config changed', async () => {
    const first = await startTestService({ tokens: TOKENS });
    await first.stop();
    const again = await startTestService({ tokens: TOKENS, storeUrl: first.storeUrl });
    const loads = async (): Promise<AuditJson['entries']> =>
      ((await (await again.get('/v1/audit?action=config.loaded', ROOT_TOKEN)).json()) as AuditJson).entries;
    expect(await loads()).toHaveLength(1);
    await again.stop();
    const changed = await startTestService({
      tokens: TOKENS,
      storeUrl: first.storeUrl,
      extraYaml: 'server: { rateLimitPerMinute: 900 }\n',
    });
    const entries = ((await (await changed.get('/v1/audit?action=config.loaded', ROOT_TOKEN)).json()) as AuditJson)
      .entries;
    expect(entries).toHaveLength(2);
    expect(entries[0]?.actor).toBe('config');
    expect(entries[0]?.detail['previousHash']).toBe(entries[1]?.detail['hash']);
    expect(entries[0]?.detail['hash']).not.toBe(entries[1]?.detail['hash']);
    await changed.stop();
  });

  it('records dashboard sign-ins under the token name, and failed ones', async () => {
    const svc = await startTestService({ tokens: TOKENS });
    try {
      const c = client(svc.url);
      const csrf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const bad = await c.post('/ui/login', {
        _csrf: csrf(await (await c.get('/ui/login')).text()),
        next: '/ui',
        token: 'not-a-real-token-at-all',
      });
      expect(bad.status).toBe(401);
      const good = await c.post('/ui/login', {
        _csrf: csrf(await (await c.get('/ui/login')).text()),
        next: '/ui',
        token: ANA,
      });
      expect(good.status).toBe(303);
      const { entries } = (await (await svc.get('/v1/audit', ROOT_TOKEN)).json()) as AuditJson;
      expect(entries.slice(0, 2).map((e) => `${e.actor} ${e.action} ${String(e.detail['via'])}`)).toEqual([
        'ana signin token',
        'unknown signin.failed token',
      ]);
      // the dashboard shows who is signed in; the audit page is for admins
      const page = await c.get('/ui/audit');
      expect(page.status).toBe(403);
    } finally {
      await svc.stop();
    }
  });
});
