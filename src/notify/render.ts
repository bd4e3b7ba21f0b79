// What a notification says on each channel: an e-mail (subject and plain text), a Slack message
// (text and blocks), or the webhook envelope `{ id, type, createdAt, data }`. Pure. Every message
// carries its id so a receiver can recognise a repeat (a resend after a crash between sending and
// recording is the same id).

import type { NotificationEventRecord } from '../store/notifications.ts';
import { partnerOf } from './events.ts';

export interface Message {
  /** The receiver's idempotency key: the delivery's id, or a digest's (stable per recipient and day). */
  id: string;
  channel: string;
  /** The e-mail address ('' for Slack and webhooks). */
  recipient: string;
  /** One event, or a digest's events, oldest first. */
  events: readonly NotificationEventRecord[];
  /** The digest's local date (program time zone), or null for an immediate message. */
  digestDay: string | null;
}

export interface RenderContext {
  /** server.publicUrl: links to the dashboard when set. */
  publicUrl: string | undefined;
  currency: string;
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
const ref = (v: unknown): { id: string; name: string | null } | null => {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  return typeof o['id'] === 'string' ? { id: o['id'], name: typeof o['name'] === 'string' ? o['name'] : null } : null;
};
const named = (r: { id: string; name: string | null } | null): string =>
  r === null ? '' : r.name === null ? r.id : `${r.name} (${r.id})`;

/** One line that says what happened. */
export function headline(e: NotificationEventRecord): string {
  const d = e.data;
  const partner = partnerOf(d);
  const who = partner === null ? '' : ` — ${partner.name ?? partner.id}`;
  switch (e.type) {
    case 'alert.opened':
      return `${capital(str(d['severity']))} alert ${str(d['code'])}${who}`;
    case 'alert.resolved':
      return `Resolved: ${str(d['code'])}${who}`;
    case 'commission.payable':
      return `Commissions payable${who}: ${str(d['total'])} ${str(d['currency'])}`;
    case 'period.closed':
      return `Period ${str(d['period'])} closed by ${str(d['closedBy'])}`;
    case 'sync.failed':
      return `Sync failed (${str(d['mode'])})`;
    case 'sync.stopped':
      return `Sync stopped at a checkpoint (${str(d['mode'])})`;
    case 'writeback.failed':
      return `${str(d['count'])} CRM write(s) refused`;
    case 'registration.submitted':
      return `Deal registration submitted${who}`;
    case 'registration.decided':
      return `Deal registration ${str(d['status'])}${who}`;
    case 'payout.approved':
      return `Payout run ${str(d['payoutRunId'])} approved: ${str(d['total'])} ${str(d['currency'])}`;
    case 'statement.available':
      return `Your commission statement for ${str(d['period'])}${who}`;
    default:
      return e.type;
  }
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The lines of detail under the headline. */
export function detailLines(e: NotificationEventRecord, ctx: RenderContext): string[] {
  const d = e.data;
  const lines: string[] = [];
  const partner = ref(d['partner']);
  const deal = ref(d['deal']);
  if (typeof d['message'] === 'string') lines.push(d['message']);
  if (partner !== null) lines.push(`Partner: ${named(partner)}`);
  if (deal !== null) lines.push(`Deal: ${named(deal)}`);
  if (typeof d['error'] === 'string') lines.push(`Error: ${d['error']}`);
  if (typeof d['reason'] === 'string') lines.push(`Reason: ${d['reason']}`);
  if (Array.isArray(d['entries'])) {
    for (const raw of d['entries'] as unknown[]) {
      const entry = raw as Record<string, unknown>;
      lines.push(
        `  ${str(entry['payableOn'])}  ${str(entry['amount'])} ${ctx.currency}  ${named(ref(entry['deal'])) || str(entry['key'])}`,
      );
    }
  }
  if (Array.isArray(d['failures'])) {
    for (const raw of d['failures'] as unknown[]) {
      const f = raw as Record<string, unknown>;
      lines.push(`  ${str(f['object'])} ${str(f['id'])}: ${str(f['reason'])}`);
    }
  }
  if (ctx.publicUrl !== undefined) {
    if (partner !== null && e.type.startsWith('alert.'))
      lines.push(`Dashboard: ${ctx.publicUrl}/ui/partners/${encodeURIComponent(partner.id)}`);
    else if (typeof d['runId'] === 'string') lines.push(`Run: ${ctx.publicUrl}/v1/runs/${d['runId']}`);
  }
  return lines;
}

export function renderEmail(m: Message, ctx: RenderContext): { subject: string; text: string } {
  const why =
    m.events[0]?.type === 'statement.available'
      ? 'You get this as a contact of the partner; your statement is attached as a PDF.'
      : "You get this because notifications.routes in partnersync's config sends it to you.";
  const footer = `\n--\npartnersync notification ${m.id}${m.events.length === 1 ? ` (event ${m.events[0]?.id ?? ''})` : ''}\n${why}\n`;
  const first = m.events[0];
  if (m.digestDay === null && first !== undefined)
    return {
      subject: `[partnersync] ${headline(first)}`,
      text: `${headline(first)}\n\n${detailLines(first, ctx).join('\n')}\n${footer}`,
    };
  const body = m.events
    .map((e) => [`* ${headline(e)}`, ...detailLines(e, ctx).map((l) => `  ${l}`)].join('\n'))
    .join('\n\n');
  return {
    subject: `[partnersync] Daily digest ${m.digestDay ?? ''}: ${m.events.length} notification${m.events.length === 1 ? '' : 's'}`,
    text: `${m.events.length} notification${m.events.length === 1 ? '' : 's'} for ${m.digestDay ?? ''}:\n\n${body}\n${footer}`,
  };
}

/** Slack escapes &, < and > in message text. https://api.slack.com/reference/surfaces/formatting#escaping */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export function renderSlack(m: Message, ctx: RenderContext): SlackMessage {
  const sections = m.events.slice(0, 40).map((e) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: slackEscape(`*${headline(e)}*\n${detailLines(e, ctx).join('\n')}`).slice(0, 2900),
    },
  }));
  const title =
    m.digestDay === null
      ? headline(m.events[0] ?? ({ type: '', data: {} } as unknown as NotificationEventRecord))
      : `Daily digest ${m.digestDay}: ${m.events.length} notifications`;
  return {
    text: slackEscape(`[partnersync] ${title}`),
    blocks: [
      ...sections,
      { type: 'context', elements: [{ type: 'mrkdwn', text: `partnersync notification id ${m.id}` }] },
    ],
  };
}

/** The webhook body: the event's envelope. */
export function webhookEnvelope(e: NotificationEventRecord): {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
} {
  return { id: e.id, type: e.type, createdAt: new Date(e.createdAt).toISOString(), data: e.data };
}
