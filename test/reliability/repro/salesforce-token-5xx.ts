// Reproduction (not part of `npm test`; found by the reliability suite's fault trials): a 5xx from
// Salesforce's token endpoint whose body is JSON is reported as a refused login ("Salesforce login
// (refresh token) refused: …", kind `auth`, status 400) and is not retried, so the whole run fails;
// the same 5xx with a non-JSON body is `unavailable` and retried.
// Cause: jsforce's OAuth2 client names the Error it throws after the body's `error` field and keeps
// the HTTP status (as ERROR_HTTP_<status>) only when the body is not JSON; src/crm/salesforce/auth.ts
// (#failure) reads the status from that name alone, so a JSON 5xx loses its status and is taken for
// a refusal. Salesforce's token endpoint does answer `{"error":"unknown_error","error_description":
// "retry your request"}` with HTTP 500; the sandbox answers injected faults with a JSON array.
// Expected: kind `unavailable`, retried per the backoff policy; the second answer (200) is used.
// Run: node test/reliability/repro/salesforce-token-5xx.ts   (exit 1 = reproduced)

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrmError } from '../../../src/crm/port.ts';
import { adapterFor } from '../../crm/salesforce/helpers.ts';

const bodies = {
  'JSON object (Salesforce)': JSON.stringify({ error: 'unknown_error', error_description: 'retry your request' }),
  'JSON array (the sandbox)': JSON.stringify([{ message: 'An unexpected error occurred', errorCode: 'UNKNOWN_EXCEPTION' }]),
  'text': 'Service Unavailable',
};

let reproduced = false;
for (const [kind, failure] of Object.entries(bodies)) {
  let tokenRequests = 0;
  // A token endpoint that fails once with HTTP 500, then grants a session.
  const server = createServer((req, res) => {
    req.resume();
    tokenRequests += 1;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (tokenRequests === 1) {
      res.writeHead(500, { 'content-type': kind === 'text' ? 'text/plain' : 'application/json' }).end(failure);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      access_token: 'token', instance_url: url, id: `${url}/id/00D000000000001EAA/005000000000001AAA`, token_type: 'Bearer', issued_at: String(Date.now()), signature: 'x',
    }));
  });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const org = await adapterFor(url).accountKey();
    console.log(`500 with a ${kind} body: retried, session for org ${org} after ${tokenRequests} token requests`);
  } catch (err) {
    if (!(err instanceof CrmError)) throw err;
    if (kind !== 'text') reproduced = true;
    console.log(`500 with a ${kind} body: ${err.kind} (status ${String(err.status)}) after ${tokenRequests} token request(s): ${JSON.stringify(err.message)}`);
  } finally {
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  }
}
process.exitCode = reproduced ? 1 : 0;
