// Bodies (issue 16, finding 3): nothing is read before the caller is authenticated, nothing over
// 1 MB is read at all, and no JSON nested deeper than 32 levels is parsed, on every route. The
// webhook still verifies its signature over the raw bytes, under the same caps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotSignature } from '../../src/crm/hubspot/signature.ts';
import { jsonDepthExceeds } from '../../src/http/json-depth.ts';
import { startTestService, TOKENS, WEBHOOK_SECRET, type TestService } from './service-helpers.ts';

const MB = 1024 * 1024;

let svc: TestService;
beforeAll(async () => {
  // a budget large enough for the flood below: the rate limit is not what is tested here
  svc = await startTestService({ server: { rateLimitPerMinute: 10_000 } });
});
afterAll(async () => {
  await svc.stop();
});

/** `[[[…]]]` nested `depth` levels, followed by `tail`. */
const nested = (depth: number, tail = ''): string => `${'['.repeat(depth)}${']'.repeat(depth)}${tail}`;

interface ErrorBody {
  error: { code: string; message: string };
}

function postJson(path: string, body: string | ReadableStream<Uint8Array>, token?: string): Promise<Response> {
  return fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  });
}

/** A body sent in chunks without a Content-Length. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
}

describe('bodies before authentication', () => {
  it('refuses forty unauthenticated, deeply nested 1 MB bodies unread while /healthz keeps answering', async () => {
    // Half a million levels, then a stray comma: a parser that reads it answers 400 (not JSON)
    // after the work; a server that refuses it unread answers 401.
    const body = nested(Math.floor((MB - 2) / 2), ',');
    expect(body.length).toBeLessThanOrEqual(MB);
    const flood = Array.from({ length: 40 }, (_, i) =>
      postJson('/v1/sync', body, i % 2 === 0 ? undefined : `not-a-valid-token-${i}-000000`),
    );
    let settled = false;
    const all = Promise.all(flood).finally(() => {
      settled = true;
    });
    const latencies: number[] = [];
    do {
      const start = performance.now();
      const health = await fetch(`${svc.url}/healthz`);
      latencies.push(performance.now() - start);
      expect(health.status).toBe(200);
    } while (!settled);
    const answers = await all;
    for (const res of answers) {
      expect(res.status).toBe(401);
      const b = (await res.json()) as ErrorBody;
      expect(b.error.code).toBe('unauthorized');
    }
    latencies.sort((a, b) => a - b);
    // a figure for the report, not an assertion (no timed tests)
    console.info(
      `/healthz during the flood: ${latencies.length} probes, median ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
    );
  });

  it('answers an unauthenticated body on an unknown route with 401, not by reading it', async () => {
    const res = await postJson('/v1/nope', '{"a": 1');
    expect(res.status).toBe(401);
  });
});

describe('body caps for authenticated callers', () => {
  it('refuses JSON nested more than 32 levels with a 400 that says so, before parsing', async () => {
    // the object is level 1: 31 arrays inside it make 32 levels, 32 make 33
    const ok = await postJson('/v1/sync', `{"full": ${nested(31)}}`, TOKENS.admin);
    expect(ok.status).toBe(400);
    expect(((await ok.json()) as ErrorBody).error.message).toContain('body.full');
    const deep = await postJson('/v1/sync', `{"full": ${nested(32)}}`, TOKENS.admin);
    expect(deep.status).toBe(400);
    const b = (await deep.json()) as ErrorBody;
    expect(b.error).toMatchObject({ code: 'invalid_request' });
    expect(b.error.message).toContain('32 levels');
    // far deeper and not even JSON: refused for its depth, unparsed
    const huge = await postJson('/v1/sync', nested(100_000, ','), TOKENS.admin);
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as ErrorBody).error.message).toContain('32 levels');
  });

  it('does not count brackets inside strings', async () => {
    const res = await postJson('/v1/sync', JSON.stringify({ full: '['.repeat(100) }), TOKENS.admin);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toContain('body.full');
  });

  it('refuses a body over 1 MB with 413, declared or chunked', async () => {
    const big = JSON.stringify({ full: false, pad: 'x'.repeat(MB) });
    const declared = await postJson('/v1/sync', big, TOKENS.admin);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const streamed = await postJson('/v1/sync', chunked(big), TOKENS.admin);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a declared body over 1 MB on any route, even unauthenticated', async () => {
    const res = await fetch(`${svc.url}/healthz`, { method: 'POST', body: 'x'.repeat(MB + 1) });
    expect(res.status).toBe(413);
  });
});

describe('the webhook under the same caps', () => {
  function signed(body: string): Promise<Response> {
    const uri = `${svc.url}/v1/webhooks/hubspot`;
    const timestamp = String(svc.clock.now());
    const signature = hubspotSignature('v3', { clientSecret: WEBHOOK_SECRET, method: 'POST', uri, body, timestamp });
    return fetch(uri, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
      body,
    });
  }

  it('refuses a delivery over 1 MB with 413 before checking its signature', async () => {
    const body = JSON.stringify([{ eventId: 1, subscriptionType: 'deal.creation', objectId: 1, pad: 'x'.repeat(MB) }]);
    const res = await signed(body);
    expect(res.status).toBe(413);
  });

  it('refuses a signed delivery nested more than 32 levels', async () => {
    const res = await signed(`[{"eventId": 1, "subscriptionType": "deal.creation", "x": ${nested(40)}}]`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toContain('32 levels');
  });

  it('still accepts a signed delivery over its raw bytes', async () => {
    const res = await signed(JSON.stringify([{ eventId: 991, subscriptionType: 'deal.creation', objectId: 1 }]));
    expect(res.status).toBe(204);
  });
});

describe('jsonDepthExceeds', () => {
  it.each([
    ['an empty object', '{}', 1, false],
    ['four levels under a limit of 4', '{"a":[1,{"b":[]}]}', 4, false],
    ['four levels over a limit of 3', '{"a":[1,{"b":[]}]}', 3, true],
    ['brackets and escaped quotes inside strings', '["[[[[", "\\"[[["]', 1, false],
    ['brackets after a string ending in an escaped backslash', '"\\\\"[[', 1, true],
    ['a thousand siblings', '[]'.repeat(1000), 1, false],
  ])('%s', (_name, text, max, expected) => {
    expect(jsonDepthExceeds(Buffer.from(text, 'utf8'), max)).toBe(expected);
  });
});
