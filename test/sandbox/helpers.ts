// Shared set-up for the sandbox contract tests: a HubSpot sandbox on a random port and an
// official SDK client pointed at it (never project code).

import { Client } from '@hubspot/api-client';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/server.ts';

export const ANCHOR = '2026-06-01T00:00:00.000Z';

export interface HubspotFixture {
  sandbox: SandboxHandle;
  client: Client;
}

export async function hubspotSandbox(options: Partial<SandboxOptions> = {}): Promise<HubspotFixture> {
  const sandbox = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 20, deals: 400, ...options });
  const client = new Client({ accessToken: 'contract-test-token', basePath: sandbox.url });
  return { sandbox, client };
}

/** The status and body of a failed SDK call (ApiException carries `code` and `body`). */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
      const body =
        'body' in err && typeof err.body === 'object' && err.body !== null ? (err.body as Record<string, unknown>) : {};
      return { code: err.code, body };
    }
    throw err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export async function getJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
}

export function bearer(token = 'contract-test-token'): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

interface DumpRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  associations?: Record<string, { id: string; typeIds: number[] }[]>;
}

export interface HubspotDump {
  companies: DumpRecord[];
  deals: DumpRecord[];
  tasks: DumpRecord[];
}

export async function hubspotDump(sandbox: SandboxHandle): Promise<HubspotDump> {
  const { body } = await getJson(`${sandbox.url}/__sandbox/state`);
  return (body as { hubspot: HubspotDump }).hubspot;
}

/**
 * The SDK's request models are generated classes, yet it serialises any object field by field.
 * Tests send plain JSON-shaped input, as any HTTP client would: `sdk({ … })` types it as the model.
 */
export type Plain<T> = T extends Date
  ? T
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

export function sdk<T>(value: NoInfer<Plain<T>>): T {
  return value as unknown as T;
}

/**
 * A live access token from the Salesforce sandbox's token endpoint (client-credentials grant):
 * the Salesforce personality, like Salesforce, refuses any token it did not issue.
 */
export async function salesforceToken(url: string): Promise<string> {
  const res = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'sandbox-test-client',
      client_secret: 'sandbox-test-secret',
    }).toString(),
  });
  if (!res.ok) throw new Error(`sandbox token endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
