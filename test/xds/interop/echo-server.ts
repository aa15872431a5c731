// A real gRPC echo backend for interop tests: one unary method `/echo.Echo/Say` on raw buffers
// that answers with the server's own name, so a client can count which backend served it.
import * as grpc from '@grpc/grpc-js';

export const SAY_PATH = '/echo.Echo/Say';

const raw = (b: Buffer): Buffer => b;

const ECHO_SERVICE: grpc.ServiceDefinition = {
  Say: { path: SAY_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
};

export interface EchoServer {
  readonly name: string;
  readonly port: number;
  close(): void;
}

export async function startEcho(name: string): Promise<EchoServer> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Say: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { name, port, close: () => server.forceShutdown() };
}

/** One unary Say call on a plain grpc.Client; resolves with the name of the server that answered. */
export function say(client: grpc.Client, metadata: grpc.Metadata, deadlineMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(SAY_PATH, raw, raw, Buffer.alloc(0), metadata, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(error) : resolve(String(response)),
    );
  });
}
