// The audit recorder the finance use cases (src/ledger/manual.ts, payouts.ts, payees.ts) receive:
// every proposal, approval, rejection, payout run, settlement, payee change, payout file and
// reconciliation goes into the audit log (issue 20).

import type { AuditRecorder } from '../ledger/finance-deps.ts';
import { recordAudit, type AuditDeps } from './record-audit.ts';

export function financeAudit(deps: AuditDeps, via: 'api' | 'cli' | 'dashboard'): AuditRecorder {
  return (action, actor, target, detail) => recordAudit(deps, action, actor, target, { ...detail, via });
}
