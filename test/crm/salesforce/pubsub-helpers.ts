// Test set-up for Change Data Capture: a TLS certificate made for this run (the sandbox's Pub/Sub
// server presents it; the connector trusts it only because the test passes it as the CA), the
// sandbox with its Pub/Sub server, and sessions bound to a rep (changes that are not ours).

import { generate } from 'selfsigned';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../../src/sandbox/server.ts';
import { ANCHOR, VERSION } from './helpers.ts';

export interface TestCert {
  key: string;
  cert: string;
}

let made: Promise<TestCert> | null = null;

/** One self-signed certificate per test process, for 127.0.0.1 and localhost. */
export function testCert(): Promise<TestCert> {
  made ??= generate([{ name: 'commonName', value: 'partnersync-sandbox-pubsub' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return made;
}

export async function pubsubSandbox(
  options: Partial<SandboxOptions> = {},
): Promise<SandboxHandle & { pubsubEndpoint: string; ca: Buffer }> {
  const cert = await testCert();
  const sandbox = await startSandbox({
    crm: 'salesforce',
    seed: 7,
    partners: 12,
    deals: 120,
    anchor: ANCHOR,
    limits: 'off',
    fields: 'provisioned',
    pubsub: { key: cert.key, cert: cert.cert, keepaliveMs: 200 },
    ...options,
  });
  if (sandbox.pubsubEndpoint === undefined) throw new Error('no Pub/Sub endpoint');
  return { ...sandbox, pubsubEndpoint: sandbox.pubsubEndpoint, ca: Buffer.from(cert.cert) };
}

/** A session bound to a user through the sandbox's JWT grant (the signature is not checked there). */
export async function tokenFor(sandbox: SandboxHandle, username: string): Promise<string> {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const assertion = `${part({ alg: 'RS256' })}.${part({ sub: username, exp: 4_102_444_800 })}.c2ln`;
  const res = await fetch(`${sandbox.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  });
  if (!res.ok) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A rep's username (any active user but the integration user). */
export function repUsername(sandbox: SandboxHandle, integrationUsername: string): string {
  const users = ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)['User'] ?? []) as {
    Username: string;
  }[];
  const rep = users.find((u) => u.Username !== integrationUsername);
  if (rep === undefined) throw new Error('no rep user in the sandbox');
  return rep.Username;
}

export async function sfRest(
  sandbox: SandboxHandle,
  method: string,
  p: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sandbox.url}/services/data/v${VERSION}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | null> | T | null,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a stored position (a base64 replay id) is at or past another: every event up to it was consumed. */
export function atOrAfter(stored: string | null, newest: string): boolean {
  if (stored === null || stored === '') return false;
  return Buffer.from(stored, 'base64').readBigUInt64BE() >= Buffer.from(newest, 'base64').readBigUInt64BE();
}
