// `partnersync partners invite | list | revoke` (issue 19): the invitation e-mail reaches a real
// SMTP server with a link to server.publicUrl; bad input exits 2 naming the field.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { runCli } from '../helpers/cli.ts';
import { SmtpReceiver } from '../notify/receivers.ts';
import { PROGRAM_YAML, seedCrm, testConfig, TestClock } from '../sync/helpers.ts';

describe('partnersync partners', () => {
  let smtp: SmtpReceiver;
  let dir: string;
  let file: string;
  let bare: string;

  beforeAll(async () => {
    smtp = await new SmtpReceiver().start();
    dir = mkdtempSync(path.join(tmpdir(), 'partnersync-cli-partners-'));
    const storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
    const blocks = `notifications:
  channels:
    mail: { type: email, from: "ps <ps@example.test>", smtp: { host: 127.0.0.1, port: ${smtp.port} } }
registrations: { emailChannel: mail }
store: { url: "${storeUrl}" }
`;
    const config = testConfig(PROGRAM_YAML + blocks);
    const crm = new FakeCrm({ account: 'acct-cli', pageSize: 50 });
    seedCrm(crm);
    const store = await openStore(storeUrl);
    await runSync({ crm, store, clock: new TestClock('2026-03-20T12:00:00Z'), logger: silentLogger(), config });
    await store.close();
    file = path.join(dir, 'partnersync.yaml');
    writeFileSync(file, `${PROGRAM_YAML}${blocks}server: { publicUrl: "https://partners.example.com/" }\n`);
    bare = path.join(dir, 'no-public-url.yaml');
    writeFileSync(bare, PROGRAM_YAML + blocks);
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('invites, lists and revokes', async () => {
    const invited = await runCli([
      'partners',
      'invite',
      '--config',
      file,
      '--partner',
      'p1',
      '--email',
      'Ann@P1.example',
    ]);
    expect(invited.stderr).toBe('');
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/^invited ann@p1\.example for partner p1 \(user [0-9a-f-]{36}\)/);
    const mail = smtp.mails.find((m) => m.to.includes('ann@p1.example'));
    expect(mail?.text).toMatch(/https:\/\/partners\.example\.com\/partner\/signin\?t=[A-Za-z0-9_-]{43}\b/);
    const list = await runCli(['partners', 'list', '--config', file, '--json']);
    const users = JSON.parse(list.stdout) as { id: string; email: string; status: string }[];
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ email: 'ann@p1.example', status: 'active' });
    const revoked = await runCli(['partners', 'revoke', users[0]?.id ?? '', '--config', file]);
    expect(revoked.code).toBe(0);
    const after = JSON.parse((await runCli(['partners', 'list', '--config', file, '--json'])).stdout) as {
      email: string | null;
      status: string;
    }[];
    expect(after[0]).toMatchObject({ email: null, status: 'revoked' });
  });

  it('refuses bad input with exit 2, naming the field', async () => {
    const email = await runCli([
      'partners',
      'invite',
      '--config',
      file,
      '--partner',
      'p1',
      '--email',
      'not-an-address',
    ]);
    expect(email.code).toBe(2);
    expect(email.stderr).toContain('email:');
    const partner = await runCli([
      'partners',
      'invite',
      '--config',
      file,
      '--partner',
      'p9',
      '--email',
      'x@p9.example',
    ]);
    expect(partner.code).toBe(2);
    expect(partner.stderr).toContain('partnerId: there is no partner p9');
    const noUrl = await runCli(['partners', 'invite', '--config', bare, '--partner', 'p1', '--email', 'x@p1.example']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('server.publicUrl');
    const revoke = await runCli(['partners', 'revoke', '00000000-0000-4000-8000-000000000000', '--config', file]);
    expect(revoke.code).toBe(2);
  });
});
