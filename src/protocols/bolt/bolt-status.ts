// Bolt's response status (sofa-bolt's ResponseStatus) and the mesh's terms, both ways: which
// status a hijacked response carries for a mesh failure, and which HTTP-like status an
// upstream's response counts as.
import { MESH_FAILURES, type MeshFailureCode } from '../../core/errors.ts';

export const BOLT_STATUS = {
  SUCCESS: 0x00,
  ERROR: 0x01,
  SERVER_EXCEPTION: 0x02,
  UNKNOWN: 0x03,
  SERVER_THREADPOOL_BUSY: 0x04,
  ERROR_COMM: 0x05,
  NO_PROCESSOR: 0x06,
  TIMEOUT: 0x07,
  CLIENT_SEND_ERROR: 0x08,
  CODEC_EXCEPTION: 0x09,
  CONNECTION_CLOSED: 0x10,
  SERVER_SERIAL_EXCEPTION: 0x11,
  SERVER_DESERIAL_EXCEPTION: 0x12,
} as const;

/**
 * As MOSN maps them: no route is "no processor", an unreachable or unhealthy upstream "connection
 * closed", overload and limits "thread pool busy", timeouts "timeout"; SOFA clients raise a
 * distinct exception for each (InvokeServerBusyException, InvokeTimeoutException, ...).
 */
const FOR_MESH: Partial<Record<MeshFailureCode, number>> = {
  SIDELET_NO_ROUTE: BOLT_STATUS.NO_PROCESSOR,
  SIDELET_NO_HEALTHY_UPSTREAM: BOLT_STATUS.CONNECTION_CLOSED,
  SIDELET_UPSTREAM_OVERFLOW: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  SIDELET_BREAKER_OPEN: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  SIDELET_RATE_LIMITED: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  SIDELET_QUEUE_TIMEOUT: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  SIDELET_OVERLOADED: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  SIDELET_TIMEOUT: BOLT_STATUS.TIMEOUT,
  SIDELET_CONNECT_FAILURE: BOLT_STATUS.CONNECTION_CLOSED,
  SIDELET_UPSTREAM_RESET: BOLT_STATUS.CONNECTION_CLOSED,
  SIDELET_FAULT_ABORT: BOLT_STATUS.SERVER_EXCEPTION,
};

/** Codes added to the mesh later fall back on their HTTP status. */
const BY_HTTP_STATUS: Readonly<Record<number, number>> = {
  404: BOLT_STATUS.NO_PROCESSOR,
  429: BOLT_STATUS.SERVER_THREADPOOL_BUSY,
  504: BOLT_STATUS.TIMEOUT,
};

export function boltStatusFor(code: MeshFailureCode): number {
  return FOR_MESH[code] ?? BY_HTTP_STATUS[MESH_FAILURES[code].status] ?? BOLT_STATUS.CONNECTION_CLOSED;
}

/** Unknown statuses, and the server's own exceptions, count as 500. */
const TO_HTTP: Readonly<Record<number, number>> = {
  [BOLT_STATUS.SUCCESS]: 200,
  [BOLT_STATUS.SERVER_THREADPOOL_BUSY]: 503,
  [BOLT_STATUS.ERROR_COMM]: 503,
  [BOLT_STATUS.NO_PROCESSOR]: 404,
  [BOLT_STATUS.TIMEOUT]: 504,
  [BOLT_STATUS.CLIENT_SEND_ERROR]: 503,
  [BOLT_STATUS.CONNECTION_CLOSED]: 502,
};

export function httpStatusOfBolt(status: number): number {
  return TO_HTTP[status] ?? 500;
}
