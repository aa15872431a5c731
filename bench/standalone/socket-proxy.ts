// The floor of any Node proxy, beside sidelet in the sidecar bench: bytes relayed between raw TCP
// sockets with nothing but the framing the bench's traffic needs (a GET without a body, an answer
// with content-length), no HTTP library, no routing, no policy. Not a proxy for real traffic.
// Prints `port N` once listening; exits on SIGTERM.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

const upstreamPort = Number(process.argv[2]);
const idle: Socket[] = [];

/** One client connection: its request goes out on an idle upstream connection, the answer comes back whole. */
function relay(client: Socket): void {
  let pending: Buffer | undefined;
  const onRequest = (chunk: Buffer): void => {
    pending = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = pending.subarray(0, end + 4);
    pending = undefined;
    const upstream = idle.pop() ?? open();
    let answer: Buffer | undefined;
    let need = -1;
    upstream.removeAllListeners('data');
    upstream.on('data', (data: Buffer) => {
      answer = answer === undefined ? data : Buffer.concat([answer, data]);
      if (need === -1) {
        const headEnd = answer.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(answer.toString('latin1', 0, headEnd));
        need = headEnd + 4 + Number(length?.[1] ?? 0);
      }
      if (answer.length < need) return;
      client.write(answer);
      idle.push(upstream);
    });
    upstream.write(head);
  };
  client.setNoDelay(true);
  client.on('data', onRequest);
  client.on('error', () => client.destroy());
}

function open(): Socket {
  const socket = connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    const at = idle.indexOf(socket);
    if (at !== -1) idle.splice(at, 1);
  });
  return socket;
}

const server = createServer(relay);
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => process.exit(0));
