// A sidelet Transport for the interop test: sends each attempt as a real unary gRPC call to the
// endpoint the core picked; the answer's body is the name of the backend that served it. Owned
// by the test's thread; only the request pipeline calls send().
import * as grpc from '@grpc/grpc-js';
import type { AttemptControl, AttemptHandler, Transport, UpstreamRequest } from '../../../src/core/call/transport.ts';

const raw = (b: Buffer): Buffer => b;

export class EchoTransport implements Transport {
  readonly #clients = new Map<string, grpc.Client>();

  send(request: UpstreamRequest, handler: AttemptHandler): AttemptControl {
    let cancelled = false;
    const client = this.#client(request.endpoint.id);
    const call = client.makeUnaryRequest(request.path, raw, raw, Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
      if (cancelled) return;
      // A gRPC error is an answer (HTTP 200 with a grpc-status), as on the wire.
      if (error) handler.onResponse({ status: 200, headers: new Map(), grpcStatus: error.code });
      else handler.onResponse({ status: 200, headers: new Map([['content-type', 'application/grpc']]), grpcStatus: 0, body: String(response) });
    });
    return {
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(target: string): grpc.Client {
    let client = this.#clients.get(target);
    if (client === undefined) this.#clients.set(target, (client = new grpc.Client(target, grpc.credentials.createInsecure())));
    return client;
  }
}
