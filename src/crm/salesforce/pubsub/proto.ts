// The Pub/Sub API's service definition, loaded from the `.proto` file the
// `salesforce-pubsub-api-client` package ships (the file Salesforce publishes), so the connector
// and the sandbox's server speak exactly the same protocol. Loaded lazily: gRPC is only needed
// when `crm.salesforce.events` is `cdc`.
// https://developer.salesforce.com/docs/platform/pub-sub-api/references/methods/subscribe-rpc.md

import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';

/** The `eventbus.v1.PubSub` service as grpc-js sees it (client constructor and service definition). */
export interface PubSubProto {
  grpc: typeof grpc;
  PubSub: grpc.ServiceClientConstructor;
}

let loaded: Promise<PubSubProto> | null = null;

/** Where the dependency keeps the `.proto` (its package root; the package exports only its client). */
export function pubSubProtoPath(): string {
  const main = import.meta.resolve('salesforce-pubsub-api-client');
  return fileURLToPath(new URL('../pubsub_api.proto', main));
}

export function loadPubSubProto(): Promise<PubSubProto> {
  loaded ??= (async () => {
    const grpcJs = await import('@grpc/grpc-js');
    const loader = await import('@grpc/proto-loader');
    // bytes stay Buffers (replay ids, Avro payloads); enums as their names; int64 as strings.
    const definition = await loader.load(pubSubProtoPath(), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpcJs.loadPackageDefinition(definition) as unknown as {
      eventbus: { v1: { PubSub: grpc.ServiceClientConstructor } };
    };
    return { grpc: grpcJs, PubSub: pkg.eventbus.v1.PubSub };
  })();
  return loaded;
}
