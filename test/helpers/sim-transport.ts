// A simulated upstream transport on the FakeClock: each send is answered by a script after a
// simulated latency, or never; sends and cancels are recorded for assertions.
import type { AttemptControl, AttemptHandler, Transport, UpstreamRequest } from '../../src/core/call/transport.ts';
import type { LocalFailure } from '../../src/core/policy/retry-classifier.ts';
import type { FakeClock } from './fake-clock.ts';

export type SimAnswer =
  | { readonly after: number; readonly status: number; readonly headers?: Record<string, string>; readonly grpcStatus?: number }
  | { readonly after: number; readonly failure: LocalFailure }
  | 'hang';

export interface SimSend {
  readonly request: UpstreamRequest;
  readonly at: number;
  cancelledAt: number | undefined;
  answeredAt: number | undefined;
}

export class SimTransport implements Transport {
  readonly sends: SimSend[] = [];
  readonly #clock: FakeClock;
  readonly #script: (request: UpstreamRequest, index: number) => SimAnswer;

  constructor(clock: FakeClock, script: (request: UpstreamRequest, index: number) => SimAnswer) {
    this.#clock = clock;
    this.#script = script;
  }

  send(request: UpstreamRequest, handler: AttemptHandler): AttemptControl {
    const record: SimSend = { request, at: this.#clock.now(), cancelledAt: undefined, answeredAt: undefined };
    this.sends.push(record);
    const answer = this.#script(request, this.sends.length - 1);
    const timer =
      answer === 'hang'
        ? undefined
        : this.#clock.schedule(answer.after, () => {
            record.answeredAt = this.#clock.now();
            if ('failure' in answer) handler.onFailure(answer.failure, `simulated ${answer.failure}`);
            else handler.onResponse({ status: answer.status, headers: new Map(Object.entries(answer.headers ?? {})), grpcStatus: answer.grpcStatus });
          });
    return {
      cancel: () => {
        record.cancelledAt ??= this.#clock.now();
        timer?.cancel();
      },
    };
  }

  /** Host ids in send order. */
  get hosts(): string[] {
    return this.sends.map((s) => s.request.endpoint.id);
  }
}
