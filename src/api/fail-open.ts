// failOpen (DESIGN.md, "Failing safely"): when the runtime itself fails a call — a data-plane
// worker died under it — the call goes direct to its original authority, like an SDK falling
// back from a broken sidecar. Mesh decisions (no route, rate limited, breaker open) still stand.
import { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import { EMPTY_METADATA } from '../core/model/metadata.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';

/** The cluster name a direct call reports. */
export const DIRECT_CLUSTER = 'sidelet.fail_open.direct';

/** Owned by the Mesh's thread; one keep-alive agent for every direct call. */
export class FailOpen {
  readonly #agent = new Agent({ keepAliveTimeout: 4000 });

  /** A runtime failure, on a call whose body can still be sent (none, or buffered). */
  applies(error: unknown, request: MeshRequest): boolean {
    return error instanceof MeshError && error.code === 'SIDELET_RUNTIME_FAILURE' && request.bodyReplayable;
  }

  async call(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult> {
    const started = performance.now();
    const response = await this.#agent.request({
      origin: `http://${request.authority}`,
      path: request.path,
      method: request.method as 'GET',
      headers: Object.fromEntries(request.headers),
      body: body instanceof Readable ? undefined : body,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(',') : value);
    const responseBody = response.body as Readable & { trailers?: ReadonlyMap<string, string> };
    Object.defineProperty(responseBody, 'trailers', { get: () => new Map(Object.entries(response.trailers)) });
    const [host = '', port = '80'] = request.authority.split(':');
    return {
      kind: 'upstream',
      cluster: DIRECT_CLUSTER,
      call: {
        response: { status: response.statusCode, headers, body: responseBody },
        endpoint: { id: request.authority, address: host, port: Number(port), hostname: host, weight: 1, priority: 0, health: 'HEALTHY', locality: { region: '', zone: '', subZone: '' }, metadata: EMPTY_METADATA },
        attempts: 1,
        winner: 'initial',
        elapsedMs: performance.now() - started,
      },
    };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
