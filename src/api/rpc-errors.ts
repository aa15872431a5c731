// The errors `invoke` rejects with besides MeshError: the remote method threw (RpcError), or the
// server's RPC framework failed the call (RpcServerError). Branch on the class or `code`.

export type RpcProtocol = 'dubbo' | 'bolt';

/** The remote method threw: a completed call whose answer is a business exception. */
export class RpcError extends Error {
  readonly code = 'SIDELET_RPC_EXCEPTION';
  readonly protocol: RpcProtocol;
  readonly service: string;
  readonly method: string;
  /** The Java class of the exception (`com.example.EchoException`); '' when the server sent only a message. */
  readonly exceptionClass: string;
  readonly remoteMessage: string;
  /** The exception as hessian.js decoded it. */
  readonly exception: unknown;
  constructor(protocol: RpcProtocol, service: string, method: string, exceptionClass: string, remoteMessage: string, exception: unknown) {
    super(`${service}#${method} threw ${exceptionClass || 'an exception'}: ${remoteMessage}`);
    this.name = 'RpcError';
    this.protocol = protocol;
    this.service = service;
    this.method = method;
    this.exceptionClass = exceptionClass;
    this.remoteMessage = remoteMessage;
    this.exception = exception;
  }
}

/**
 * The server (its RPC framework, not the method) failed the call — no such service or version,
 * a failing filter, a busy pool — or its answer could not be read.
 */
export class RpcServerError extends Error {
  readonly code = 'SIDELET_RPC_SERVER_ERROR';
  readonly protocol: RpcProtocol;
  readonly service: string;
  readonly method: string;
  /** The protocol's status (Dubbo's status byte, Bolt's response status); undefined when the answer was unreadable. */
  readonly status: number | undefined;
  /** The status's name in the protocol (`SERVICE_NOT_FOUND`, `SERVER_EXCEPTION`). */
  readonly statusName: string;
  readonly remoteMessage: string;
  constructor(protocol: RpcProtocol, service: string, method: string, status: number | undefined, statusName: string, remoteMessage: string) {
    const shown = status === undefined ? 'an unreadable answer' : `${protocol} status ${status} (${statusName})`;
    super(`${service}#${method}: ${shown}${remoteMessage === '' ? '' : `: ${remoteMessage}`}`);
    this.name = 'RpcServerError';
    this.protocol = protocol;
    this.service = service;
    this.method = method;
    this.status = status;
    this.statusName = statusName;
    this.remoteMessage = remoteMessage;
  }
}
