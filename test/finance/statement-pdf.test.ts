// The PDF statement is built from the model the CSV statement is written from: its text holds the
// CSV's totals, and the same statement gives the same bytes (creation date and id pinned).

import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { statements, statementsCsv, statementTotalsCsv } from '../../src/ledger/exports.ts';
import { closePeriod } from '../../src/ledger/periods.ts';
import { statementDocumentId, statementPdf } from '../../src/ledger/statement-pdf.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { makeWorld, seedCrm, storeTargets } from '../sync/helpers.ts';

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

const [sqlite] = storeTargets();

describe('PDF statements', () => {
  it("holds the CSV statement's lines and totals; the same inputs give byte-identical PDFs", async () => {
    if (sqlite === undefined) throw new Error('no SQLite target');
    const w = await makeWorld(sqlite);
    seedCrm(w.crm);
    await runSync(w.deps);
    await closePeriod(w.deps, w.crm.account, '2026-02', 'ana');
    const s = await statements(w.deps, w.crm.account, '2026-02', 'p1');
    const p = s.partners[0];
    expect(p).toBeDefined();
    const pdf = await statementPdf(s, 'p1');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    // the totals file's row for the partner, column by column, is what the PDF prints
    const [header, row] = statementTotalsCsv(s).split('\r\n');
    const cols = header?.split(',') ?? [];
    const cells = row?.split(',') ?? [];
    for (const [key, value] of Object.entries(p?.totals ?? {})) {
      expect(cells[cols.indexOf(key)]).toBe(value);
      expect(text).toContain(`${value} USD`);
    }
    for (const l of p?.lines ?? []) expect(statementsCsv(s)).toContain(`,${l.amount},`);
    expect(text).toContain(`Net`);
    for (const l of p?.lines ?? []) expect(text).toContain(l.amount);
    expect(text).toContain('Partner p1 (p1)');
    if (p !== undefined) expect(text).toContain(statementDocumentId(s, p));

    // later: the same statement (read again from the store) gives the same bytes
    w.clock.set('2026-05-01T00:00:00Z');
    const again = await statementPdf(await statements(w.deps, w.crm.account, '2026-02', 'p1'), 'p1');
    expect(again.equals(pdf)).toBe(true);
    // a different statement does not
    const other = await statementPdf(await statements(w.deps, w.crm.account, '2026-02', 'p3'), 'p3');
    expect(other.equals(pdf)).toBe(false);
    await expect(statementPdf(s, 'nobody')).rejects.toThrow(/nobody has no ledger entries/);
    await w.store.close();
  });
});
