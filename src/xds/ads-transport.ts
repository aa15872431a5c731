// The gRPC glue of the ADS client: one bidirectional StreamAggregatedResources call over
// @grpc/grpc-js, messages encoded with the proto subset. Holds no protocol state.
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { protoRoot } from './proto-root.ts';

export const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** A DiscoveryRequest in proto field names; the node only on a stream's first request. */
export interface DiscoveryRequest {
  readonly version_info: string;
  readonly node?: unknown;
  readonly resource_names: readonly string[];
  readonly type_url: string;
  readonly response_nonce: string;
  readonly error_detail?: { readonly code: number; readonly message: string };
}

export interface AnyMessage {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly AnyMessage[];
  readonly type_url: string;
  readonly nonce: string;
}

export interface AdsStreamHandlers {
  onResponse(response: DiscoveryResponse): void;
  /** The stream ended (server closed it, or it failed); called once. */
  onClose(detail: string): void;
}

/** One open stream. Owned by the ADS client; `close()` cancels it without a call to onClose. */
export interface AdsStream {
  send(request: DiscoveryRequest): void;
  close(): void;
}

export interface AdsTransport {
  open(handlers: AdsStreamHandlers): AdsStream;
  close(): void;
}

function codecs(root: protobuf.Root): { encode: (r: DiscoveryRequest) => Buffer; decode: (b: Buffer) => DiscoveryResponse } {
  const request = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const response = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  return {
    encode: (r) => Buffer.from(request.encode(request.fromObject(r as unknown as Record<string, unknown>)).finish()),
    decode: (b) => {
      const m = response.decode(b) as unknown as Partial<DiscoveryResponse>;
      return { version_info: m.version_info ?? '', resources: m.resources ?? [], type_url: m.type_url ?? '', nonce: m.nonce ?? '' };
    },
  };
}

/** A transport to `serverUri` (a gRPC target such as `127.0.0.1:18000` or `dns:///xds.example:443`). */
export function grpcAdsTransport(serverUri: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()): AdsTransport {
  const client = new grpc.Client(serverUri, credentials, { 'grpc.keepalive_time_ms': 30_000 });
  const { encode, decode } = codecs(protoRoot());
  return {
    open(handlers) {
      const call = client.makeBidiStreamRequest<DiscoveryRequest, DiscoveryResponse>(ADS_METHOD, encode, decode);
      let closed = false;
      const finish = (detail: string): void => {
        if (closed) return;
        closed = true;
        handlers.onClose(detail);
      };
      call.on('data', (response: DiscoveryResponse) => {
        if (!closed) handlers.onResponse(response);
      });
      call.on('error', (error: grpc.ServiceError) => finish(`${grpc.status[error.code] ?? error.code}: ${error.details}`));
      call.on('status', (status: grpc.StatusObject) => finish(`${grpc.status[status.code] ?? status.code}: ${status.details}`));
      call.on('end', () => finish('the server ended the stream'));
      return {
        send(request) {
          if (!closed) call.write(request);
        },
        close() {
          closed = true;
          call.cancel();
        },
      };
    },
    close() {
      client.close();
    },
  };
}
