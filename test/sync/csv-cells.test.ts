// CSV cells a spreadsheet must never evaluate (issue 16, finding 4): a formula character after
// leading whitespace of any kind is neutralised as well as one in first place, in every CSV the
// project writes (they all go through src/sync/csv.ts). When LibreOffice is installed, the files
// are also opened in it with "Trim spaces" and "Evaluate formulas" on, and nothing may evaluate.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { neutraliseCell, toCsv } from '../../src/sync/csv.ts';
import { startTestService, TOKENS } from '../http/service-helpers.ts';
import { deal, partner } from './helpers.ts';

describe('neutraliseCell', () => {
  it.each([
    ['a formula after a space', ` =cmd|' /C calc'!A0`, `' =cmd|' /C calc'!A0`],
    ['a formula after several spaces', '   +SUM(A1:A9)', `'   +SUM(A1:A9)`],
    ['a formula after a no-break space', '\u00a0=1+1', `'\u00a0=1+1`],
    ['a formula after a narrow no-break space', '\u202f-2+3', `'\u202f-2+3`],
    ['a formula after an ideographic space', '\u3000@SUM(A1)', `'\u3000@SUM(A1)`],
    ['a formula after an em space', '\u2003=1', `'\u2003=1`],
    ['a formula after a zero-width space', '\u200b=1+1', `'\u200b=1+1`],
    ['a formula after a byte-order mark', '\ufeff=1+1', `'\ufeff=1+1`],
    ['a formula after a line feed', '\n=1+1', `'\n=1+1`],
    ['a formula after a tab', '\t=1+1', `'\t=1+1`],
    ['a tab first', '\tcmd', `'\tcmd`],
    ['a carriage return first', '\rcmd', `'\rcmd`],
    ['a formula first', '=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['a plus first', '+1+2', `'+1+2`],
    ['an at sign first', '@SUM(A1)', `'@SUM(A1)`],
    ['a minus first', '-2+3', `'-2+3`],
    ['a negative amount', '-12.50', '-12.50'],
    ['a negative whole number', '-120', '-120'],
    ['an amount', '1234.50', '1234.50'],
    ['a negative amount after a space (not a number as written)', ' -12.50', `' -12.50`],
    ['text after spaces', '  Acme Consulting', '  Acme Consulting'],
    ['plain text', 'Acme', 'Acme'],
    ['an empty cell', '', ''],
    ['a fixed-fee key', 'fee:p05:2026-01', 'fee:p05:2026-01'],
    ['a fixed-fee key posted before fee: (kept verbatim)', '-:p05:2026-01', '-:p05:2026-01'],
    ['an old-style key holding a formula', '-:=cmd|x:2026-01', `'-:=cmd|x:2026-01`],
    ['an old-style key after a space', ' -:p05:2026-01', `' -:p05:2026-01`],
    // LibreOffice does not evaluate full-width signs (checked with 7.4): left as written
    ['a full-width equals sign', '\uff1d1+1', '\uff1d1+1'],
    ['text already quoted with an apostrophe', "'=1+1", "'=1+1"],
  ])('%s', (_name, cell, expected) => {
    expect(neutraliseCell(cell)).toBe(expected);
  });
});

const EVIL_NAMES = [
  ` =cmd|' /C calc'!A0`,
  ' ="PWN"&"ED"',
  '  ="PWN"&"ED"',
  '\u00a0="PWN"&"ED"',
  '\t="PWN"&"ED"',
  '\u3000="PWN"&"ED"',
  '="PWN"&"ED"',
];

describe('the commission export and statements', () => {
  it('neutralise partner and deal names that start a formula after leading whitespace', async () => {
    const svc = await startTestService({
      seed: (crm) => {
        EVIL_NAMES.forEach((name, i) => {
          crm.upsertPartner(partner(`p${i}`, { name }));
          crm.upsertDeal(
            deal(`d${i}`, { name, sourcePartnerId: `p${i}`, closedAt: `2026-03-0${(i % 9) + 1}T00:00:00Z` }),
          );
        });
      },
    });
    try {
      const csv = await (await svc.get('/v1/exports/commissions?period=2026-03', TOKENS.finance)).text();
      const st = await (await svc.get('/v1/statements/p0?period=2026-03', TOKENS.finance)).text();
      for (const text of [csv, st]) {
        const rows: string[][] = parse(text, { relax_column_count: true });
        const cells = rows.flat();
        expect(cells).toContain(`' =cmd|' /C calc'!A0`);
        for (const cell of cells) {
          // every cell starts as text, or is a plain number
          if (/^[\s\u200b\ufeff]*[=+\-@]/.test(cell) || /^[\t\r]/.test(cell))
            expect(cell).toMatch(/^-?\d+(\.\d+)?$|^-:[A-Za-z0-9_.-]+:\d{4}-\d{2}$/);
        }
      }
    } finally {
      await svc.stop();
    }
  });
});

const soffice = spawnSync('soffice', ['--version'], { encoding: 'utf8' });
const hasLibreOffice = soffice.status === 0;

/**
 * Opens `csv` in LibreOffice Calc (UTF-8, comma, "Trim spaces" and "Evaluate formulas" on) and
 * saves it again as CSV with each cell as shown: an evaluated formula shows its result.
 */
function throughLibreOffice(csv: string): string[][] {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-calc-'));
  const input = path.join(dir, 'in.csv');
  writeFileSync(input, csv);
  const r = spawnSync(
    'soffice',
    [
      `-env:UserInstallation=${pathToFileURL(path.join(dir, 'profile')).href}`,
      '--headless',
      '--norestore',
      // tokens: separator, quote, UTF-8, first line, formats, language, quoted as text,
      // special numbers, (export), (export), trim spaces, (sheets), evaluate formulas
      '--infilter=CSV:44,34,76,1,,1033,false,false,false,false,true,-1,true',
      '--convert-to',
      'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true',
      '--outdir',
      path.join(dir, 'out'),
      input,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`soffice failed: ${r.stderr}`);
  return parse(readFileSync(path.join(dir, 'out', 'in.csv'), 'utf8'), { relax_column_count: true });
}

/** Formulas LibreOffice shows as 1234000 when it evaluates them; unquoted in CSV (no quote, comma or line break). */
const FORMULAS = [' =1234*1000', '   =1234*1000', '\u00a0=1234*1000', '\t=1234*1000', '=1234*1000', ' +1234*1000'];

describe.skipIf(!hasLibreOffice)('in LibreOffice Calc (Trim spaces, Evaluate formulas)', () => {
  it('evaluates no cell the CSV writer produced (while it does evaluate the same text written as is)', () => {
    const written = toCsv(
      ['name', 'key', 'amount'],
      FORMULAS.map((f, i) => [f, i === 0 ? '-:p05:2026-01' : `fee:p${i}:2026-01`, '-12.50']),
    );
    // the control, last: a spaced formula as a naive writer leaves it
    const shown = throughLibreOffice(`${written} =1234*1000,control,0\r\n`);
    expect(shown.length).toBe(FORMULAS.length + 2);
    expect(shown.at(-1)?.[0]).toBe('1234000');
    const cells = shown.slice(0, -1).flat();
    expect(cells).not.toContain('1234000');
    expect(cells.filter((c) => c.includes('1234*1000')).length).toBe(FORMULAS.length);
    expect(cells).toContain('-:p05:2026-01');
    expect(cells).toContain('fee:p1:2026-01');
  });
});
