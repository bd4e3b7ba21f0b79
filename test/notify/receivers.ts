// Real local receivers for notification tests: an SMTP server (smtp-server, messages parsed with
// mailparser) and an HTTP server that plays a Slack incoming webhook, the Slack Web API's
// chat.postMessage, and webhook endpoints that verify the signature as the README documents.
// Each can be told to fail its next answers.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../../src/notify/webhook-signature.ts';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  notificationId: string;
  eventId: string | null;
  /** Attached files (a PDF statement, issue 20). */
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  /** Answer the next n messages with a temporary failure (451). */
  failNext = 0;
  #server: SMTPServer;
  port = 0;

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // an address the server refuses for good (permanent failure)
      onRcptTo: (address, _session, callback) => {
        if (address.address.startsWith('blocked@')) {
          callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.failNext > 0) {
            this.failNext--;
            const err = Object.assign(new Error('try again later'), { responseCode: 451 });
            callback(err);
            return;
          }
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              const header = (name: string): string | null => {
                const v = mail.headers.get(name);
                return typeof v === 'string' ? v : null;
              };
              const to = (Array.isArray(mail.to) ? mail.to : mail.to === undefined ? [] : [mail.to]).flatMap((a) =>
                a.value.map((v) => (v.address ?? '').toLowerCase()),
              );
              this.mails.push({
                to,
                subject: mail.subject ?? '',
                text: mail.text ?? '',
                messageId: mail.messageId ?? '',
                notificationId: header('x-partnersync-notification-id') ?? '',
                eventId: header('x-partnersync-event-id'),
                attachments: mail.attachments.map((a) => ({
                  filename: a.filename ?? '',
                  contentType: a.contentType,
                  content: a.content,
                })),
              });
              callback();
            })
            .catch((err: unknown) => {
              callback(err instanceof Error ? err : new Error(String(err)));
            });
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => {
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    this.port = (this.#server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

export interface ReceivedPost {
  path: string;
  body: string;
  json: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  /** Webhook paths: whether the signature verified with the endpoint's secret. */
  verified: boolean | null;
}

export class HttpReceiver {
  readonly posts: ReceivedPost[] = [];
  /** Webhook secrets by path, e.g. { '/hooks/a': 'secret' }. */
  readonly secrets = new Map<string, string>();
  /** Answer the next n requests with this status. */
  failNext = 0;
  failStatus = 503;
  #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      readBody(req)
        .then((body) => {
          if (this.failNext > 0) {
            this.failNext--;
            res.writeHead(this.failStatus).end('unavailable');
            return;
          }
          const path = (req.url ?? '').split('?')[0] ?? '';
          let json: Record<string, unknown> = {};
          const type = req.headers['content-type'] ?? '';
          if (type.includes('json')) json = JSON.parse(body) as Record<string, unknown>;
          else if (type.includes('form')) json = Object.fromEntries(new URLSearchParams(body));
          const secret = this.secrets.get(path);
          const verified =
            secret === undefined
              ? null
              : verifySignature(
                  secret,
                  body,
                  req.headers['partnersync-signature'] as string | undefined,
                  Math.floor(Date.now() / 1000),
                ).ok;
          this.posts.push({
            path,
            body,
            json,
            headers: Object.fromEntries(
              Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
            ),
            verified,
          });
          if (path.startsWith('/slack-api/')) {
            res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, ts: '1.0' }));
          } else if (path.startsWith('/slack-hook')) {
            res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
          } else if (verified === false) {
            res.writeHead(401).end('bad signature');
          } else {
            res.writeHead(204).end();
          }
        })
        .catch(() => {
          res.writeHead(500).end();
        });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => {
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  at(path: string): ReceivedPost[] {
    return this.posts.filter((p) => p.path === path);
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** The id a Slack post carries (the last block's context line). */
export function slackNotificationId(post: ReceivedPost): string | null {
  const m = /notification id ([0-9a-f-]{36})/.exec(post.body);
  return m?.[1] ?? null;
}
