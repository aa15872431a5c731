// The undici connector of a TLS cluster's pools: opens each connection with the cluster's
// TlsClient (tls-client.ts). A failure after the TCP connect and before the handshake completes
// is a TlsHandshakeError, which the transport counts as a connect failure.
import type { Socket } from 'node:net';
import { type TLSSocket, connect } from 'node:tls';
import type { buildConnector } from 'undici';
import type { TlsClient } from './tls-client.ts';
import { undici } from './undici-on-demand.ts';

export const TLS_HANDSHAKE_FAILED = 'SIDELET_TLS_HANDSHAKE';

/** The TLS handshake with an upstream failed: untrusted or wrong certificate, protocol or ALPN mismatch, reset mid-handshake. */
export class TlsHandshakeError extends Error {
  readonly code = TLS_HANDSHAKE_FAILED;
  constructor(where: string, cause: Error) {
    const code = (cause as { code?: unknown }).code;
    super(`TLS handshake with ${where} failed: ${typeof code === 'string' ? `${code}: ` : ''}${cause.message}`, { cause });
    this.name = 'TlsHandshakeError';
  }
}

/**
 * undici's `connect` for one client (one connection at a time). `onSecure` hears whether each
 * new connection speaks HTTP/2. The last TLS session is kept and offered again, so reconnecting
 * to the same endpoint resumes it.
 */
export function tlsConnector(client: TlsClient, timeoutMs: number, onSecure?: (h2: boolean) => void): buildConnector.connector {
  let session: Buffer | undefined;
  return (options, callback) => {
    const port = Number(options.port) || 443;
    const where = `${options.hostname}:${port}`;
    const socket = connect({
      host: options.hostname,
      port,
      secureContext: client.context,
      ...(client.servername === undefined ? {} : { servername: client.servername }),
      ALPNProtocols: [...client.alpn],
      rejectUnauthorized: client.verifyChain,
      checkServerIdentity: client.checkIdentity,
      ...(session === undefined ? {} : { session }),
    });
    socket.setNoDelay(true).setKeepAlive(true, 60_000);
    socket.on('session', (ticket: Buffer) => (session = ticket));
    let tcpConnected = false;
    const onConnect = (): void => void (tcpConnected = true);
    const onError = (error: Error): void => done(tcpConnected ? new TlsHandshakeError(where, error) : error);
    const onSecureConnect = (): void => done(httpVersionError(client, socket, where));
    const timer = setTimeout(() => done(new (undici().errors.ConnectTimeoutError)(`connect timeout of ${timeoutMs} ms to ${where}`)), timeoutMs);
    const done = (error: Error | undefined): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect).off('secureConnect', onSecureConnect).off('error', onError);
      if (error !== undefined) {
        // Whatever the dying socket still reports is not news.
        socket.on('error', () => {}).destroy();
        return callback(error, null);
      }
      onSecure?.(socket.alpnProtocol === 'h2');
      callback(null, socket as TLSSocket & Socket);
    };
    socket.once('connect', onConnect).once('secureConnect', onSecureConnect).once('error', onError);
  };
}

/**
 * undici speaks HTTP/2 on a socket whose ALPN result is h2. An HTTP/2 cluster whose upstream
 * picked another protocol it offered (or none) still speaks HTTP/2, as Envoy does; only an
 * upstream that insists on HTTP/1.1 is refused.
 */
function httpVersionError(client: TlsClient, socket: TLSSocket, where: string): Error | undefined {
  if (client.version !== 'h2' || socket.alpnProtocol === 'h2') return undefined;
  if (socket.alpnProtocol === 'http/1.1') return new TlsHandshakeError(where, new Error('the cluster speaks HTTP/2, but the upstream chose http/1.1 over ALPN'));
  socket.alpnProtocol = 'h2';
  return undefined;
}
