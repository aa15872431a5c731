// Dubbo's status byte and the mesh's terms, both ways: which status a hijacked response carries
// for a mesh failure, and which HTTP-like status an upstream's response counts as.
import { MESH_FAILURES, type MeshFailureCode } from '../../core/errors.ts';
import { DUBBO_STATUS } from './dubbo-layout.ts';

/**
 * Overload and limits answer "thread pool exhausted" (what a busy Dubbo provider says), timeouts
 * "server timeout" (the mesh stands where the server is; Dubbo clients raise a TimeoutException
 * for it), no route "service not found", a failed or unhealthy upstream "server error".
 */
const FOR_MESH: Partial<Record<MeshFailureCode, number>> = {
  SIDELET_NO_ROUTE: DUBBO_STATUS.SERVICE_NOT_FOUND,
  SIDELET_NO_HEALTHY_UPSTREAM: DUBBO_STATUS.SERVER_ERROR,
  SIDELET_UPSTREAM_OVERFLOW: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  SIDELET_BREAKER_OPEN: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  SIDELET_RATE_LIMITED: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  SIDELET_QUEUE_TIMEOUT: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  SIDELET_OVERLOADED: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  SIDELET_TIMEOUT: DUBBO_STATUS.SERVER_TIMEOUT,
  SIDELET_CONNECT_FAILURE: DUBBO_STATUS.SERVER_ERROR,
  SIDELET_UPSTREAM_RESET: DUBBO_STATUS.SERVER_ERROR,
  SIDELET_FAULT_ABORT: DUBBO_STATUS.SERVICE_ERROR,
};

/** Codes added to the mesh later fall back on their HTTP status. */
const BY_HTTP_STATUS: Readonly<Record<number, number>> = {
  404: DUBBO_STATUS.SERVICE_NOT_FOUND,
  429: DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED,
  504: DUBBO_STATUS.SERVER_TIMEOUT,
};

export function dubboStatusFor(code: MeshFailureCode): number {
  return FOR_MESH[code] ?? BY_HTTP_STATUS[MESH_FAILURES[code].status] ?? DUBBO_STATUS.SERVER_ERROR;
}

/** Unknown statuses count as 500. */
const TO_HTTP: Readonly<Record<number, number>> = {
  [DUBBO_STATUS.OK]: 200,
  [DUBBO_STATUS.CLIENT_TIMEOUT]: 504,
  [DUBBO_STATUS.SERVER_TIMEOUT]: 504,
  [DUBBO_STATUS.BAD_REQUEST]: 400,
  [DUBBO_STATUS.BAD_RESPONSE]: 502,
  [DUBBO_STATUS.SERVICE_NOT_FOUND]: 404,
  [DUBBO_STATUS.SERVICE_ERROR]: 500,
  [DUBBO_STATUS.SERVER_ERROR]: 503,
  [DUBBO_STATUS.CLIENT_ERROR]: 400,
  [DUBBO_STATUS.SERVER_THREADPOOL_EXHAUSTED]: 503,
};

/** OK is 200 whatever the body holds: a business exception is a completed call, as for Dubbo's own failover. */
export function httpStatusOfDubbo(status: number): number {
  return TO_HTTP[status] ?? 500;
}
