// keepWasmCode (src/sync/wasm-code.ts): with it, V8 never collects wasm code, the collection
// that crashed processes running sync threads beside fetch's wasm HTTP parser. A child Node
// runs 300 fetches under --stress-wasm-code-gc (a collection at every chance) and traces the
// collections; without the call it must collect (so the check can fail), with it never.

import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const moduleUrl = pathToFileURL(new URL('../../src/sync/wasm-code.ts', import.meta.url).pathname).href;

const script = (keep: boolean): string => `
import http from 'node:http';
${keep ? `const { keepWasmCode } = await import(${JSON.stringify(moduleUrl)}); keepWasmCode();` : ''}
const server = http.createServer((req, res) => res.end('ok'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = 'http://127.0.0.1:' + server.address().port + '/';
for (let i = 0; i < 300; i++) await (await fetch(url)).text();
server.close();
`;

async function collections(keep: boolean): Promise<number> {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--stress-wasm-code-gc', '--trace-wasm-code-gc', '--input-type=module', '-e', script(keep)],
    { timeout: 30_000 },
  );
  return (stdout + stderr).split('\n').filter((l) => l.includes('[wasm-gc] Starting GC')).length;
}

describe('keepWasmCode', () => {
  it('fetch alone makes V8 collect wasm code (the check can fail)', async () => {
    expect(await collections(false)).toBeGreaterThan(0);
  });

  it('after keepWasmCode, no wasm code collection runs', async () => {
    expect(await collections(true)).toBe(0);
  });
});
