// The sandbox's Pub/Sub API server: gRPC over TLS on the `.proto` the connector uses (loaded from
// the same dependency), serving GetTopic, GetSchema and Subscribe for the org's change events.
// Subscribe is pull-based: the client asks for N events with each FetchRequest (at most 100
// outstanding), the server sends them as they exist, and sends an empty response carrying the
// latest replay id as a keepalive. Auth is the `accesstoken` / `tenantid` metadata, checked
// against the sandbox's tokens. Errors carry Salesforce's `error-code` trailer.
// https://developer.salesforce.com/docs/platform/pub-sub-api/references/methods/subscribe-rpc.md
// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/handling-errors.md

import type * as grpc from '@grpc/grpc-js';
import { loadPubSubProto } from '../../../crm/salesforce/pubsub/proto.ts';
import type { Personality, TokenStore } from '../../personality.ts';
import { isSalesforcePersonality, type SalesforcePersonality } from '../personality.ts';
import { decodeReplayId, encodeReplayId, entityOfTopic, type LoggedEvent } from './change-log.ts';

/** Most events a subscriber may have outstanding (the API treats more as 100). */
export const MAX_REQUESTED = 100;
/** Salesforce sends a keepalive within 270 seconds when it has nothing to deliver. */
export const DEFAULT_KEEPALIVE_MS = 270_000;

export const ERROR_CODES = {
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  replayCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  topicNotFound: 'sfdc.platform.eventbus.grpc.topic.not.found',
  invalidRequest: 'sfdc.platform.eventbus.grpc.fetch.request.invalid',
} as const;

export interface PubSubServerOptions {
  current: () => Personality;
  tokens: TokenStore;
  /** PEM key and certificate the server presents (a certificate made for the test run). */
  key: string | Buffer;
  cert: string | Buffer;
  host?: string;
  port?: number;
  keepaliveMs?: number;
  onError?: (err: unknown) => void;
}

export interface PubSubServerHandle {
  /** host:port, what a client dials. */
  endpoint: string;
  stop(): Promise<void>;
}

interface FetchRequest {
  topic_name: string;
  replay_preset: 'LATEST' | 'EARLIEST' | 'CUSTOM';
  replay_id: Buffer;
  num_requested: number;
  auth_refresh?: string;
}

let rpcCounter = 0;
const rpcId = (): string => `sandbox-rpc-${(++rpcCounter).toString(36)}`;

export async function startPubSubServer(options: PubSubServerOptions): Promise<PubSubServerHandle> {
  const { grpc: g, PubSub } = await loadPubSubProto();
  const server = new g.Server();
  const keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
  const streams = new Set<grpc.ServerDuplexStream<FetchRequest, unknown>>();

  const failure = (code: grpc.status, errorCode: string, details: string): grpc.ServiceError => {
    const metadata = new g.Metadata();
    metadata.set('error-code', errorCode);
    return Object.assign(new Error(details), { code, details, metadata });
  };

  /** The org the call's metadata authenticates for, or the error to answer. */
  const authenticate = (metadata: grpc.Metadata): SalesforcePersonality | grpc.ServiceError => {
    const personality = options.current();
    if (!isSalesforcePersonality(personality))
      return failure(g.status.UNIMPLEMENTED, ERROR_CODES.invalidRequest, 'not a Salesforce sandbox');
    const token = String(metadata.get('accesstoken')[0] ?? '').trim();
    const tenant = String(metadata.get('tenantid')[0] ?? '').trim();
    if (token === '' || personality.authenticate(token) === null)
      return failure(g.status.UNAUTHENTICATED, ERROR_CODES.auth, 'Invalid or expired session: authenticate again');
    if (tenant !== personality.orgId)
      return failure(g.status.UNAUTHENTICATED, ERROR_CODES.auth, `tenantid ${tenant} does not match the session's org`);
    return personality;
  };

  const topicOf = (p: SalesforcePersonality, name: string): string | null => {
    const entity = entityOfTopic(name);
    return entity !== null && p.changeLog.currentSchema(entity) !== null ? entity : null;
  };

  const implementation: grpc.UntypedServiceImplementation = {
    GetTopic: (call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const p = authenticate(call.metadata);
      if (p instanceof Error) {
        callback(p);
        return;
      }
      const entity = topicOf(p, call.request.topic_name);
      if (entity === null) {
        callback(failure(g.status.NOT_FOUND, ERROR_CODES.topicNotFound, `no topic ${call.request.topic_name}`));
        return;
      }
      const schema = p.changeLog.currentSchema(entity);
      callback(null, {
        topic_name: call.request.topic_name,
        tenant_guid: p.orgId,
        can_publish: false,
        can_subscribe: true,
        schema_id: schema?.id ?? '',
        rpc_id: rpcId(),
      });
    },
    GetSchema: (call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const p = authenticate(call.metadata);
      if (p instanceof Error) {
        callback(p);
        return;
      }
      const schema = p.changeLog.schema(call.request.schema_id);
      if (schema === undefined) {
        callback(failure(g.status.NOT_FOUND, ERROR_CODES.invalidRequest, `no schema ${call.request.schema_id}`));
        return;
      }
      callback(null, { schema_json: schema.json, schema_id: schema.id, rpc_id: rpcId() });
    },
    Subscribe: (call: grpc.ServerDuplexStream<FetchRequest, unknown>) => {
      const p = authenticate(call.metadata);
      if (p instanceof Error) {
        call.emit('error', p);
        return;
      }
      streams.add(call);
      const log = p.changeLog;
      let topic: string | null = null;
      let cursor = 0n;
      let pending = 0;
      let ended = false;
      const id = rpcId();
      const end = (err?: grpc.ServiceError): void => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(keepalive);
        streams.delete(call);
        if (err) call.emit('error', err);
        else call.end();
      };
      const send = (events: readonly LoggedEvent[]): void => {
        call.write({
          events: events.map((e) => ({
            event: { id: e.id, schema_id: e.schemaId, payload: e.payload, headers: [] },
            replay_id: encodeReplayId(e.replayId),
          })),
          latest_replay_id: encodeReplayId(cursor),
          rpc_id: id,
          pending_num_requested: pending,
        });
      };
      const pump = (): void => {
        if (ended || topic === null) return;
        while (pending > 0) {
          const batch = log.after(topic, cursor, pending);
          if (batch.length === 0) break;
          const last = batch[batch.length - 1];
          if (last !== undefined) cursor = last.replayId;
          pending -= batch.length;
          send(batch);
        }
      };
      const unsubscribe = log.onAppend(pump);
      const keepalive = setInterval(() => {
        if (ended || topic === null) return;
        // nothing waiting for this subscriber: its position is the topic's newest event
        const newest = log.latestOf(topic);
        if (log.after(topic, cursor, 1).length === 0 && newest > cursor) cursor = newest;
        send([]);
      }, keepaliveMs);
      keepalive.unref();
      call.on('data', (req: FetchRequest) => {
        if (ended) return;
        if (topic === null) {
          const entity = topicOf(p, req.topic_name);
          if (entity === null) {
            end(failure(g.status.NOT_FOUND, ERROR_CODES.topicNotFound, `no topic ${req.topic_name}`));
            return;
          }
          topic = req.topic_name;
          if (req.replay_preset === 'EARLIEST') cursor = log.earliest();
          else if (req.replay_preset === 'CUSTOM') {
            const from = decodeReplayId(req.replay_id);
            if (from === null || log.status(from) !== 'ok') {
              end(
                failure(
                  g.status.INVALID_ARGUMENT,
                  ERROR_CODES.replayCorrupted,
                  'The Replay ID validation failed: it is not valid or no longer within the retention window',
                ),
              );
              return;
            }
            cursor = from;
          } else cursor = log.latestOf(topic);
        } else if (req.topic_name !== '' && req.topic_name !== topic) {
          end(
            failure(g.status.INVALID_ARGUMENT, ERROR_CODES.invalidRequest, 'the topic of a subscription cannot change'),
          );
          return;
        }
        pending = Math.min(MAX_REQUESTED, pending + Math.max(0, req.num_requested));
        pump();
      });
      call.on('end', () => {
        end();
      });
      call.on('cancelled', () => {
        end();
      });
      call.on('error', () => {
        end();
      });
    },
  };
  server.addService(PubSub.service, implementation);
  const credentials = g.ServerCredentials.createSsl(
    null,
    [{ private_key: Buffer.from(options.key), cert_chain: Buffer.from(options.cert) }],
    false,
  );
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, credentials, (err, bound) => {
      if (err) reject(err);
      else resolve(bound);
    });
  });
  return {
    endpoint: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.tryShutdown(() => {
          resolve();
        });
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
