// /ui/notifications (admins): what partnersync told whom, and where each delivery stands — sent,
// waiting for a retry (with the last error and the next attempt), failed, or skipped.

import { DateTime } from 'luxon';
import { EVENT_TYPES } from '../../../config/notifications-schema.ts';
import { headline } from '../../../notify/render.ts';
import type { DeliveryRecord, NotificationEventRecord } from '../../../store/notifications.ts';
import { html, raw, type SafeHtml } from '../html.ts';

const STATUSES = ['pending', 'sent', 'failed', 'skipped', 'expanded'] as const;

export const localTime = (ms: number, tz: string): string =>
  DateTime.fromMillis(ms, { zone: tz }).toFormat('yyyy-MM-dd HH:mm ZZZZ');

function delivery(d: DeliveryRecord, tz: string): SafeHtml {
  const who = d.recipient === '' ? '' : d.recipient.replace(/^mailto:/, '');
  const state =
    d.status === 'pending'
      ? html`waiting, next attempt ${localTime(d.nextAttemptAt, tz)}`
      : d.status === 'sent' && d.sentAt !== null
        ? html`sent ${localTime(d.sentAt, tz)}`
        : d.status;
  return html`<li data-status="${d.status}"><strong>${d.channel}</strong>${who === '' ? '' : html` → ${who}`}${d.mode === 'digest' ? ' (digest)' : ''}: ${state}${d.attempts > 1 ? html` after ${d.attempts} attempts` : ''}${d.lastError === null ? '' : html` <span class="muted">— ${d.lastError}</span>`}</li>`;
}

export function notificationsBody(o: {
  list: readonly { event: NotificationEventRecord; deliveries: DeliveryRecord[] }[];
  timezone: string;
  status?: string | undefined;
  type?: string | undefined;
}): SafeHtml {
  const opt = (v: string, selected: string | undefined): SafeHtml =>
    html`<option value="${v}"${v === selected ? raw(' selected') : ''}>${v}</option>`;
  const rows = o.list.map(
    ({ event, deliveries }) =>
      html`<tr><td>${localTime(event.createdAt, o.timezone)}</td><td><code>${event.type}</code></td><td>${headline(event)}<br><span class="muted">event ${event.id}</span></td><td><ul class="plain">${deliveries.map((d) => delivery(d, o.timezone))}</ul></td></tr>`,
  );
  return html`<h1>Notifications</h1>
<p class="lede">Events sent to e-mail, Slack and webhooks (<code>notifications.routes</code>), newest first. Failed deliveries are retried with backoff for <code>notifications.retryHours</code>.</p>
<form method="get" action="/ui/notifications" class="toolbar" aria-label="Filter notifications">
<div class="field"><label for="status">Delivery status</label><select id="status" name="status"><option value="">any</option>${STATUSES.map((s) => opt(s, o.status))}</select></div>
<div class="field"><label for="type">Event</label><select id="type" name="type"><option value="">any</option>${EVENT_TYPES.map((t) => opt(t, o.type))}</select></div>
<button type="submit">Show</button></form>
<div class="table-wrap"><table id="notifications-table"><caption class="visually-hidden">Notifications and their deliveries</caption>
<thead><tr><th scope="col">Queued</th><th scope="col">Event</th><th scope="col">What</th><th scope="col">Deliveries</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="4">No notification yet${o.status === undefined && o.type === undefined ? '' : ' matches these filters'}.</td></tr>` : rows}</tbody></table></div>`;
}
