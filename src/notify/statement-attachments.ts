// The PDF statement a `statement.available` e-mail carries (issue 20): made when the e-mail is
// sent, from the same statement model as the CSV (src/ledger/statement-pdf.ts).

import { statements } from '../ledger/exports.ts';
import type { LedgerDeps } from '../ledger/port.ts';
import { statementPdf } from '../ledger/statement-pdf.ts';
import type { Attachment, AttachmentSource } from './channels/email-channel.ts';
import { partnerOf } from './events.ts';

export function statementAttachments(deps: LedgerDeps): AttachmentSource {
  return async (m) => {
    const out: Attachment[] = [];
    for (const e of m.events) {
      if (e.type !== 'statement.available') continue;
      const partner = partnerOf(e.data);
      const period = e.data['period'];
      if (partner === null || typeof period !== 'string') continue;
      const s = await statements(deps, e.account, period, partner.id);
      if (s.partners.length === 0) continue;
      out.push({
        filename: `statement-${partner.id}-${period}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_'),
        content: await statementPdf(s, partner.id),
        contentType: 'application/pdf',
      });
    }
    return out;
  };
}
