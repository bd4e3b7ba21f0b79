// Outgoing webhook signatures (issue 18): `Partnersync-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256(secret, t + "." + rawBody)>`. Receivers check the HMAC over the exact bytes they
// received, refuse a `t` older than 5 minutes, and drop an `id` they have seen (README "Outgoing
// webhooks" has the same check as a snippet).

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Partnersync-Signature';
export const EVENT_ID_HEADER = 'Partnersync-Event-Id';
/** A signature older than this is refused by receivers (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/** The receiver's check, as documented: a valid v1 HMAC over `t.body` and a fresh `t`. */
export function verifySignature(
  secret: string,
  rawBody: string,
  header: string | undefined,
  nowSeconds: number,
): SignatureCheck {
  if (header === undefined) return { ok: false, reason: 'no signature header' };
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const k = item.slice(0, eq).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) return { ok: false, reason: 'no timestamp' };
  if (Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'timestamp too old' };
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex'), 'utf8');
  const match = (parts.get('v1') ?? []).some((v) => {
    const given = Buffer.from(v, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, timestamp: t } : { ok: false, reason: 'signature does not match' };
}
