import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { partner, deal } from '../sync/helpers.ts';
import { startTestService, TOKENS } from './service-helpers.ts';

describe('exports are safe to open in a spreadsheet', () => {
  it('neutralises formula text in partner and deal names on the export route', async () => {
    const svc = await startTestService({
      seed: (crm) => {
        crm.upsertPartner(partner('p1', { name: `=HYPERLINK("http://evil.example","click")` }));
        crm.upsertPartner(partner('p2', { name: '+SUM(A1:A9)' }));
        crm.upsertDeal(deal('d1', { name: '@cmd|calc!A0', closedAt: '2026-03-02T00:00:00Z' }));
        crm.upsertDeal(deal('d2', { name: '-2+3', sourcePartnerId: 'p2', closedAt: '2026-03-03T00:00:00Z' }));
      },
    });
    try {
      const csv = await (await svc.get('/v1/exports/commissions?period=2026-03', TOKENS.finance)).text();
      const cells = csv
        .split(/\r\n/)
        .flatMap((line) => line.split(','))
        .map((c) => c.replace(/^"|"$/g, ''));
      expect(csv).toContain(`'=HYPERLINK(`);
      expect(csv).toContain(`'+SUM(A1:A9)`);
      expect(csv).toContain(`'@cmd|calc!A0`);
      expect(csv).toContain(`'-2+3`);
      // no cell a spreadsheet would evaluate, except plain (possibly negative) numbers
      for (const cell of cells) {
        if (/^[=+@\t\r-]/.test(cell)) expect(cell).toMatch(/^-?\d+(\.\d+)?$/);
      }
      const st = await (await svc.get('/v1/statements/p1?period=2026-03', TOKENS.finance)).text();
      expect(st).toContain(`'=HYPERLINK(`);
    } finally {
      await svc.stop();
    }
  });
});

describe('logs never carry secrets', () => {
  it('redacts tokens, secrets and authorization headers wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer admin-token-0123456789abcdef', cookie: 'ps_session=abc' } },
        headers: { authorization: 'Bearer other' },
        accessToken: 'hs-access-1',
        refreshToken: 'hs-refresh-1',
        client_secret: 'sf-secret',
        password: 'pw',
        token: 'tok',
        nested: { accessToken: 'hs-access-2', refresh_token: 'r2', clientSecret: 'cs' },
        DATABASE_URL: 'postgres://u:p@h/db',
      },
      'call',
    );
    const text = lines.join('');
    for (const secret of [
      'admin-token-0123456789abcdef',
      'Bearer other',
      'ps_session=abc',
      'hs-access-1',
      'hs-refresh-1',
      'sf-secret',
      '"pw"',
      '"tok"',
      'hs-access-2',
      '"r2"',
      '"cs"',
      'u:p@h',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(12);
  });

  it('does not log request headers or bodies in the access log', async () => {
    const svc = await startTestService();
    try {
      // the access log records method, path, status, duration, request id and the token's label only
      const res = await svc.get('/v1/partners', TOKENS.viewer);
      expect(res.status).toBe(200);
    } finally {
      await svc.stop();
    }
  });
});
