// A partner's statement as PDF (issue 20): the same model the CSV statement is written from
// (exports.ts `statements`), so its lines and totals are those of the CSV by construction.
// Reproducible: the creation date is pinned to the period's close (or the instant the statement
// is as of, for an open month), the document id is derived from the content, fonts are the PDF
// standard ones (nothing embedded), so the same statement gives the same bytes.

import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { ExportLine, PartnerStatement, Statements, Totals } from './exports.ts';
import { LedgerInputError } from './errors.ts';

const TOTAL_LABELS: readonly [keyof Totals, string][] = [
  ['accruals', 'Accruals'],
  ['adjustments', 'Adjustments'],
  ['clawbacks', 'Clawbacks'],
  ['manual', 'Manual adjustments'],
  ['net', 'Net'],
  ['payable', 'Payable'],
  ['held', 'Held'],
];

const TYPE_LABELS: Record<ExportLine['type'], string> = {
  accrual: 'Commission',
  adjustment: 'Adjustment',
  clawback: 'Clawback',
  manual: 'Manual adjustment',
};

/** The one partner's statement out of a Statements model. */
export function partnerStatement(s: Statements, partnerId: string): PartnerStatement {
  const p = s.partners.find((x) => x.partnerId === partnerId);
  if (p === undefined) throw new LedgerInputError(`partner ${partnerId} has no ledger entries in ${s.period}`);
  return p;
}

/** The statement's document id: a digest of everything printed. */
export function statementDocumentId(s: Statements, p: PartnerStatement): string {
  const { partners: _others, ...view } = s;
  return createHash('sha256').update(JSON.stringify({ view, p })).digest('hex').slice(0, 32);
}

export async function statementPdf(s: Statements, partnerId: string, title = 'Commission statement'): Promise<Buffer> {
  const p = partnerStatement(s, partnerId);
  const pinned = new Date(s.closedAt ?? s.statusAsOf);
  const documentId = statementDocumentId(s, p);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    compress: true,
    info: {
      Title: `${title} ${p.partnerName} ${s.period}`,
      Author: 'partnersync',
      Creator: 'partnersync',
      Producer: 'partnersync',
      CreationDate: pinned,
      ModDate: pinned,
      // the trailer's document id is a digest of this dictionary: same content, same id
      Keywords: `statement ${documentId}`,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => {
    chunks.push(c);
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('Helvetica-Bold').fontSize(16).text(title, left, doc.y);
  doc.moveDown(0.3);
  doc.font('Helvetica').fontSize(10);
  doc.text(`Partner: ${p.partnerName} (${p.partnerId})`);
  doc.text(`Period: ${s.period} (${s.state}${s.closedAt === null ? '' : `, closed ${s.closedAt}`})`);
  doc.text(`Currency: ${s.currency}`);
  doc.text(`Payable/held as of: ${s.statusAsOf}`);
  doc.text(`Document: ${documentId}`);
  doc.moveDown();

  const cols = [
    { label: '#', w: 24 },
    { label: 'Type', w: 92 },
    { label: 'Deal', w: 150 },
    { label: 'Month', w: 50 },
    { label: 'Status', w: 50 },
    { label: 'Payable on', w: 64 },
    { label: `Amount (${s.currency})`, w: width - 430, right: true },
  ];
  const row = (cells: string[], bold: boolean): void => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    const y = doc.y;
    let x = left;
    let bottom = y;
    cells.forEach((c, i) => {
      const col = cols[i] as { label: string; w: number; right?: boolean };
      doc.text(c, x, y, { width: col.w - 4, align: col.right === true ? 'right' : 'left' });
      bottom = Math.max(bottom, doc.y);
      x += col.w;
    });
    doc.x = left;
    doc.y = bottom + 2;
  };
  row(
    cols.map((c) => c.label),
    true,
  );
  p.lines.forEach((l, i) => {
    if (doc.y > doc.page.height - 120) doc.addPage();
    row(
      [
        String(i + 1),
        TYPE_LABELS[l.type],
        l.dealName ?? l.dealId ?? '-',
        l.originalPeriod,
        l.status,
        l.payableOn,
        l.amount,
      ],
      false,
    );
    doc
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor('#444444')
      .text(l.explanation, left + 24, doc.y, { width: width - 24 });
    doc.fillColor('#000000');
    doc.x = left;
    doc.moveDown(0.4);
  });
  doc.moveDown();
  if (doc.y > doc.page.height - 160) doc.addPage();
  doc.font('Helvetica-Bold').fontSize(11).text('Totals', left, doc.y);
  doc.moveDown(0.2);
  for (const [key, label] of TOTAL_LABELS) {
    const y = doc.y;
    doc.font(key === 'net' ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    doc.text(label, left, y, { width: 200 });
    doc.text(`${p.totals[key]} ${s.currency}`, left + 200, y, { width: 160, align: 'right' });
    doc.x = left;
  }
  doc.end();
  return done;
}
