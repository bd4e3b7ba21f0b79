// HubSpot request signatures (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation).
// Only v3 is accepted on our webhook route (it is the only version with a timestamp, so the
// only one that resists replays); v1/v2 are computed too so the shared code is tested against
// the example values HubSpot publishes for them.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** v3 signs the URI with these characters decoded (HubSpot's table). */
const DECODE: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function decodeSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()] ?? m);
}

export interface SignatureInput {
  clientSecret: string;
  method: string;
  /** The full URI HubSpot called, protocol and host included. */
  uri: string;
  body: string;
  timestamp?: string | undefined;
}

export function hubspotSignature(version: 'v1' | 'v2' | 'v3', s: SignatureInput): string {
  switch (version) {
    case 'v1':
      return createHash('sha256')
        .update(s.clientSecret + s.body, 'utf8')
        .digest('hex');
    case 'v2':
      return createHash('sha256')
        .update(s.clientSecret + s.method + s.uri + s.body, 'utf8')
        .digest('hex');
    case 'v3':
      return createHmac('sha256', s.clientSecret)
        .update(s.method + decodeSignedUri(s.uri) + s.body + (s.timestamp ?? ''), 'utf8')
        .digest('base64');
  }
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** Verifies X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp (5-minute window, constant time). */
export function verifyV3(s: SignatureInput & { signature: string | undefined }, now: number): SignatureCheck {
  if (!s.signature || !s.timestamp) return { ok: false, reason: 'missing' };
  const ts = Number(s.timestamp);
  if (!Number.isFinite(ts) || Math.abs(now - ts) > MAX_SIGNATURE_AGE_MS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hubspotSignature('v3', s), 'utf8');
  const given = Buffer.from(s.signature, 'utf8');
  // compare digests of equal length so neither content nor length leaks through timing
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
