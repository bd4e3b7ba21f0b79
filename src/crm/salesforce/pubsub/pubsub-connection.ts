// One gRPC channel to the Pub/Sub API: TLS with full verification (Node's trusted roots, or the
// CA a caller passes explicitly), the session's access token, instance URL and org id as call
// metadata on every call (read anew per call, so a renewed session is used at once), GetTopic,
// GetSchema (cached by id: a schema id never changes meaning) and Subscribe streams.
// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/supported-auth.md

import { getCACertificates } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import type avro from 'avsc';
import { loadPubSubProto } from './proto.ts';

export interface PubSubSession {
  accessToken: string;
  instanceUrl: string;
  orgId: string;
}

export interface PubSubConnectionOptions {
  /** host:port (`api.pubsub.salesforce.com:7443`). */
  endpoint: string;
  /** Trust this CA instead of the system's roots (tests: a certificate made for the run). */
  ca?: Buffer | undefined;
  session: () => Promise<PubSubSession>;
}

export interface EventSchema {
  id: string;
  type: avro.Type;
  /** Top-level field names in schema order: positions of the field bitmaps. */
  fieldNames: readonly string[];
  /** Sub-field names of a compound field at a position, if it is one. */
  subFields: (position: number) => readonly string[] | null;
}

export interface ConsumerEvent {
  event: { id: string; schema_id: string; payload: Buffer };
  replay_id: Buffer;
}

export interface FetchResponse {
  events: ConsumerEvent[];
  latest_replay_id: Buffer;
  pending_num_requested: number;
}

export interface FetchRequest {
  topic_name?: string;
  replay_preset?: 'LATEST' | 'EARLIEST' | 'CUSTOM';
  replay_id?: Buffer;
  num_requested: number;
}

/** Subscribe's bidirectional stream. */
export type SubscribeCall = grpc.ClientDuplexStream<FetchRequest, FetchResponse>;

/** The Pub/Sub error code a failed call carries in its trailers (`error-code`), if any. */
export function pubSubErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('metadata' in err)) return null;
  const md = (err as { metadata?: grpc.Metadata }).metadata;
  const value = md?.get('error-code')[0];
  return value === undefined ? null : String(value);
}

export function grpcStatus(err: unknown): number | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : null;
}

type Unary<Res> = (req: object, callback: (err: grpc.ServiceError | null, res?: Res) => void) => void;

export class PubSubConnection {
  readonly #client: grpc.Client;
  readonly #avro: typeof avro;
  readonly #schemas = new Map<string, Promise<EventSchema>>();

  private constructor(client: grpc.Client, avroLib: typeof avro) {
    this.#client = client;
    this.#avro = avroLib;
  }

  static async open(options: PubSubConnectionOptions): Promise<PubSubConnection> {
    const { grpc: g, PubSub } = await loadPubSubProto();
    const avroLib = (await import('avsc')).default;
    const auth = g.credentials.createFromMetadataGenerator((_params, callback) => {
      options.session().then(
        (s) => {
          const md = new g.Metadata();
          md.set('accesstoken', s.accessToken);
          md.set('instanceurl', s.instanceUrl);
          md.set('tenantid', s.orgId);
          callback(null, md);
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    // Node's default trust store (its bundled roots, plus NODE_EXTRA_CA_CERTS and, with
    // --use-system-ca, the system's): grpc-js on its own reads only the bundled roots.
    const roots = options.ca ?? Buffer.from(getCACertificates('default').join('\n'));
    const tls = g.credentials.createSsl(roots);
    const client = new PubSub(options.endpoint, g.credentials.combineChannelCredentials(tls, auth), {
      'grpc.keepalive_time_ms': 60_000,
    });
    return new PubSubConnection(client, avroLib);
  }

  #unary<Res>(method: string, req: object): Promise<Res> {
    const fn = (this.#client as unknown as Record<string, Unary<Res>>)[method];
    if (fn === undefined) throw new Error(`no Pub/Sub method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(this.#client, req, (err, res) => {
        if (err) reject(err);
        else if (res === undefined) reject(new Error(`Pub/Sub ${method}: empty answer`));
        else resolve(res);
      });
    });
  }

  async topicSchemaId(topic: string): Promise<string> {
    const info = await this.#unary<{ schema_id: string }>('GetTopic', { topic_name: topic });
    return info.schema_id;
  }

  schema(id: string): Promise<EventSchema> {
    let pending = this.#schemas.get(id);
    if (pending === undefined) {
      pending = this.#unary<{ schema_json: string }>('GetSchema', { schema_id: id }).then((info) =>
        this.#parseSchema(id, info.schema_json),
      );
      pending.catch(() => this.#schemas.delete(id));
      this.#schemas.set(id, pending);
    }
    return pending;
  }

  #parseSchema(id: string, json: string): EventSchema {
    const type = this.#avro.Type.forSchema(JSON.parse(json) as avro.Schema);
    const fields = type instanceof this.#avro.types.RecordType ? type.fields : [];
    return {
      id,
      type,
      fieldNames: fields.map((f) => f.name),
      subFields: (position) => {
        const f = fields[position];
        if (f === undefined) return null;
        const { UnwrappedUnionType, WrappedUnionType } = this.#avro.types;
        const types =
          f.type instanceof UnwrappedUnionType || f.type instanceof WrappedUnionType ? f.type.types : [f.type];
        const record = types.find((t) => t instanceof this.#avro.types.RecordType);
        return record instanceof this.#avro.types.RecordType ? record.fields.map((c) => c.name) : null;
      },
    };
  }

  subscribe(): SubscribeCall {
    const fn = (this.#client as unknown as Record<string, () => SubscribeCall>)['Subscribe'];
    if (fn === undefined) throw new Error('no Pub/Sub method Subscribe');
    return fn.call(this.#client);
  }

  close(): void {
    this.#client.close();
  }
}
