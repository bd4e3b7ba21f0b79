// `partnersync serve` start-up with the in-process sandbox (issue 17 item 4), as real processes:
// bad tokens, a bad port value or an address not of this machine exit 2, a port in use exits 1 —
// each with one clear line, the sandbox stopped and the process ended (it used to hang); a good
// start prints the address it bound (127.0.0.1 unless server.host or HOST say otherwise).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-node.ts';

const GOOD_TOKENS = 'admin:0123456789abcdef0123456789';

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `serve`; resolves when the process ends. `onListening` runs once stdout says it listens
 * (then the test stops it). A process still running after `limitMs` is killed and reported as hung.
 */
function serve(
  args: string[],
  env: Record<string, string>,
  onListening?: (stdout: string) => void,
  limitMs = 60_000,
): Promise<Ended & { hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test/reliability/cli-runner.ts'), 'serve', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let stopping = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (onListening !== undefined && !stopping && stdout.includes('listening on')) {
        stopping = true; // one SIGTERM: a second one ends the process before its shutdown finishes
        onListening(stdout);
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

function sandboxConfig(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-serve-'));
  const file = path.join(dir, 'partnersync.yaml');
  writeFileSync(
    file,
    readFileSync(path.join(ROOT, 'config/examples/demo.yaml'), 'utf8')
      .replace('sandbox: { seed: 1, partners: 50, deals: 2000 }', 'sandbox: { seed: 1, partners: 4, deals: 10 }')
      .replace('url: "sqlite:./data/partnersync.db"', `url: ${JSON.stringify(`sqlite:${path.join(dir, 'ps.db')}`)}`),
  );
  return file;
}

/** stderr without log lines: what a person reads. */
const said = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

describe('serve start-up with the in-process sandbox', () => {
  it('exits 2 for a short token, a malformed PARTNERSYNC_TOKENS, a bad port value or a foreign address', async () => {
    const config = sandboxConfig();
    const short = await serve(['--config', config, '--port', '0'], { PARTNERSYNC_TOKENS: 'admin:short' });
    expect(short).toMatchObject({ code: 2, hung: false });
    expect(said(short.stderr).join('\n')).toContain('token is shorter than 16 characters');

    const malformed = await serve(['--config', config, '--port', '0'], {
      PARTNERSYNC_TOKENS: `${GOOD_TOKENS},boss:0123456789abcdef0123`,
    });
    expect(malformed).toMatchObject({ code: 2, hung: false });
    expect(said(malformed.stderr).join('\n')).toContain('entry 2: role must be viewer, finance or admin');

    const port = await serve(['--config', config, '--port', '99999'], { PARTNERSYNC_TOKENS: GOOD_TOKENS });
    expect(port).toMatchObject({ code: 2, hung: false });
    expect(said(port.stderr)).toEqual([
      '--port: "99999" is not a port; use a whole number from 0 to 65535 (e.g. 8080)',
    ]);

    const envPort = await serve(['--config', config], { PARTNERSYNC_TOKENS: GOOD_TOKENS, PORT: '99999' });
    expect(envPort).toMatchObject({ code: 2, hung: false });
    expect(said(envPort.stderr).join('\n')).toContain('PORT');

    // the sandbox has started by the time the address is refused: it is stopped and the process ends
    const foreign = await serve(['--config', config, '--port', '0', '--host', '192.0.2.1'], {
      PARTNERSYNC_TOKENS: GOOD_TOKENS,
    });
    expect(foreign).toMatchObject({ code: 2, hung: false });
    expect(said(foreign.stderr)).toEqual([
      '192.0.2.1 is not an address of this machine: fix --host, HOST or server.host (127.0.0.1, or 0.0.0.0 for every interface)',
    ]);
  }, 240_000);

  it('exits 1 when the port is in use, after stopping the sandbox', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const r = await serve(['--config', sandboxConfig(), '--port', String(taken)], {
        PARTNERSYNC_TOKENS: GOOD_TOKENS,
      });
      expect(r).toMatchObject({ code: 1, hung: false });
      expect(said(r.stderr)).toEqual([
        `port ${taken} on 127.0.0.1 is already in use (another partnersync or program): stop it, or pick another port with --port, PORT or server.port`,
      ]);
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('binds 127.0.0.1 by default and says so; HOST=0.0.0.0 binds every interface', async () => {
    const config = sandboxConfig();
    let banner = '';
    const local = await serve(['--config', config, '--port', '0'], { PARTNERSYNC_TOKENS: GOOD_TOKENS }, (out) => {
      banner = out;
    });
    expect(local).toMatchObject({ code: 0, hung: false });
    expect(banner).toMatch(
      /^partnersync listening on 127\.0\.0\.1:\d+ \(this machine only; set server\.host or HOST to 0\.0\.0\.0 for other machines\): API http:\/\/127\.0\.0\.1:\d+\/v1, dashboard http:\/\/127\.0\.0\.1:\d+\/ui\n/,
    );

    let every = '';
    const all = await serve(
      ['--config', config, '--port', '0'],
      { PARTNERSYNC_TOKENS: GOOD_TOKENS, HOST: '0.0.0.0' },
      (out) => {
        every = out;
      },
    );
    expect(all).toMatchObject({ code: 0, hung: false });
    expect(every).toMatch(
      /^partnersync listening on 0\.0\.0\.0:\d+ \(every interface\): API http:\/\/127\.0\.0\.1:\d+\/v1/,
    );
  }, 120_000);
});
