import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { decodeSignedUri, hubspotSignature, verifyV3 } from '../../src/crm/hubspot/signature.ts';

const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';

describe('HubSpot request signatures', () => {
  it("matches HubSpot's published v1 and v2 examples", () => {
    const v1Body =
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
    expect(hubspotSignature('v1', { clientSecret: secret, method: 'POST', uri: '', body: v1Body })).toBe(
      '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de',
    );
    expect(
      hubspotSignature('v2', {
        clientSecret: secret,
        method: 'GET',
        uri: 'https://www.example.com/webhook_uri',
        body: '',
      }),
    ).toBe('eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e');
    expect(
      hubspotSignature('v2', {
        clientSecret: secret,
        method: 'POST',
        uri: 'https://www.example.com/webhook_uri',
        body: '{"example_field":"example_value"}',
      }),
    ).toBe('9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900');
  });

  it('computes v3 as the official SDK does, and accepts what HubSpot would send', () => {
    const input = {
      clientSecret: secret,
      method: 'POST',
      uri: 'https://www.example.com/webhook_uri',
      body: '{"example_field":"example_value"}',
      timestamp: '1700000000000',
    };
    const sdk = Signature.getSignature('POST', 'v3', {
      signature: '',
      clientSecret: secret,
      requestBody: input.body,
      url: input.uri,
      timestamp: 1700000000000,
    });
    expect(hubspotSignature('v3', input)).toBe(sdk);
    expect(verifyV3({ ...input, signature: sdk }, 1700000000000 + 299_000)).toEqual({ ok: true });
  });

  it('refuses tampered bodies, other secrets, stale or future timestamps and missing headers', () => {
    const input = {
      clientSecret: secret,
      method: 'POST',
      uri: 'https://ps.example.com/v1/webhooks/hubspot',
      body: '[{"objectId":1}]',
      timestamp: '1700000000000',
    };
    const signature = hubspotSignature('v3', input);
    const now = 1700000000000;
    expect(verifyV3({ ...input, body: '[{"objectId":2}]', signature }, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV3({ ...input, clientSecret: 'other', signature }, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV3({ ...input, signature: `${signature}x` }, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV3({ ...input, signature }, now + 300_001)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ ...input, signature }, now - 300_001)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ ...input, signature: undefined }, now)).toEqual({ ok: false, reason: 'missing' });
  });

  it('signs the URI with the characters HubSpot decodes', () => {
    expect(decodeSignedUri('https://x.io/hook%3Fa%3D1%26b%2Fc%40d%20e')).toBe('https://x.io/hook?a%3D1%26b/c@d%20e');
  });
});
