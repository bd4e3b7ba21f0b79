import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { neutraliseCell } from '../../src/sync/csv.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-compute-'));
const example = [
  '--config',
  'config/examples/program.yaml',
  '--snapshot',
  'config/examples/snapshot.json',
  '--as-of',
  '2026-11-15T12:00:00Z',
];

describe('partnersync compute', () => {
  it('writes result.json and commissions.csv for the bundled example and prints a summary', async () => {
    const out = path.join(dir, 'a');
    const r = await runCli(['compute', ...example, '--out', out]);
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual([
      'asOf',
      'currency',
      'period',
      'rejected',
      'attribution',
      'commissions',
      'partners',
      'recipes',
      'program',
      'alerts',
    ]);
    expect(result['asOf']).toBe('2026-11-15T12:00:00Z');
    expect(result['period']).toEqual({ label: '2026-11', start: '2026-11-01T04:00:00Z', end: '2026-12-01T05:00:00Z' });
    const commissions = result['commissions'] as Record<string, unknown>[];
    const csv = readFileSync(path.join(out, 'commissions.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('key,dealId,partnerId,recipe,plan,period,basis,rateBps,tier,amount,payableOn,status');
    expect(csv).toHaveLength(commissions.length + 1);
    const first = (commissions[0] ?? {}) as Record<string, string | number | null>;
    expect(csv[1]).toBe(
      [
        'key',
        'dealId',
        'partnerId',
        'recipe',
        'plan',
        'period',
        'basis',
        'rateBps',
        'tier',
        'amount',
        'payableOn',
        'status',
      ]
        .map((k) => first[k] ?? '')
        .join(','),
    );
    expect(r.stdout).toMatch(/partners: 12 \(/);
    expect(r.stdout).toMatch(/alerts: \d+ \(critical \d+, warning \d+, info \d+\)/);
    expect(r.stderr).toContain('rejected deal d005: AMOUNT_INVALID');
  });

  it('is byte-identical across runs and independent of the current time when --as-of is given', async () => {
    const a = path.join(dir, 'b1');
    const b = path.join(dir, 'b2');
    await runCli(['compute', ...example, '--out', a]);
    await runCli(['compute', ...example, '--out', b]);
    expect(readFileSync(path.join(a, 'result.json'))).toEqual(readFileSync(path.join(b, 'result.json')));
    expect(readFileSync(path.join(a, 'commissions.csv'))).toEqual(readFileSync(path.join(b, 'commissions.csv')));
  });

  it('defaults --as-of to now, to the second', async () => {
    const out = path.join(dir, 'c');
    const before = Math.floor(Date.now() / 1000) * 1000;
    await runCli([
      'compute',
      '--config',
      'config/examples/program.yaml',
      '--snapshot',
      'config/examples/snapshot.json',
      '--out',
      out,
    ]);
    const asOf = Date.parse((JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as { asOf: string }).asOf);
    expect(asOf % 1000).toBe(0);
    expect(asOf).toBeGreaterThanOrEqual(before);
    expect(asOf).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    ['a broken snapshot', '{ "partners": [', 'not valid JSON'],
    ['a snapshot without deals', '{ "partners": [] }', '"deals" must be an array'],
  ])('exits 2 on %s', async (_n, text, message) => {
    const f = path.join(dir, `bad-${message.length}.json`);
    writeFileSync(f, text);
    const r = await runCli([
      'compute',
      '--config',
      'config/examples/program.yaml',
      '--snapshot',
      f,
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it.each([
    [['--as-of', 'last tuesday'], '--as-of: "last tuesday" is not an ISO-8601 timestamp'],
    [['--period', '2026-Q5'], '--period: "2026-Q5" is not a period'],
  ])('exits 2 on bad arguments %j', async (args, message) => {
    const r = await runCli([
      'compute',
      '--config',
      'config/examples/program.yaml',
      '--snapshot',
      'config/examples/snapshot.json',
      '--out',
      path.join(dir, 'y'),
      ...args,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('exits 2 without --snapshot and prints usage help on --help', async () => {
    expect((await runCli(['compute', '--config', 'config/examples/program.yaml'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('compute');
  });
});

describe('CSV cells are safe to open in a spreadsheet', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tcmd', `'\tcmd`],
    ['\rcmd', `'\rcmd`],
    ['-120.00', '-120.00'],
    ['-:p05:2026-01', '-:p05:2026-01'],
    ['-:=cmd|x:2026-01', `'-:=cmd|x:2026-01`],
    ['Acme', 'Acme'],
  ])('%j → %j', (cell, expected) => {
    expect(neutraliseCell(cell)).toBe(expected);
  });
});

describe('streamed output', () => {
  it('writes result.json exactly as JSON.stringify would, and the same CSV as the in-memory writer', async () => {
    const { loadConfigFile } = await import('../../src/config/load.ts');
    const { computeProgram } = await import('../../src/domain/engine.ts');
    const { commissionsCsv, parseSnapshotText } = await import('../../src/sync/compute-snapshot.ts');
    const out = path.join(dir, 'stream');
    await runCli(['compute', ...example, '--out', out]);
    const { program } = loadConfigFile('config/examples/program.yaml');
    const snapshot = parseSnapshotText(readFileSync('config/examples/snapshot.json', 'utf8'), 'snapshot');
    const result = computeProgram(program, snapshot, { asOf: Date.parse('2026-11-15T12:00:00Z') });
    expect(readFileSync(path.join(out, 'result.json'), 'utf8')).toBe(`${JSON.stringify(result, null, 2)}\n`);
    expect(readFileSync(path.join(out, 'commissions.csv'), 'utf8')).toBe(commissionsCsv(result));
    expect(result.commissions.length).toBeGreaterThan(50);
  });
});
