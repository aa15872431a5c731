// The three local upstreams `sidelet run --demo` routes to, each logging what it does so a new
// user sees the mesh at work: alpha answers at once, bravo is slow half the time (a backup
// request beats it), charlie fails 20 % of requests with a 503 (a retry hides it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoUpstreams {
  /** Their ports on 127.0.0.1, in the order alpha, bravo, charlie. */
  readonly ports: readonly number[];
  close(): Promise<void>;
}

const SLOW_MS = 400;
const SLOW_SHARE = 0.5;
const FAILURE_SHARE = 0.2;

type Behaviour = (name: string, req: IncomingMessage, res: ServerResponse, log: (line: string) => void) => void;

const answer = (name: string, res: ServerResponse, note: string): void => {
  res.writeHead(200, { 'content-type': 'text/plain', 'x-demo-upstream': name }).end(`hello from ${name}${note}\n`);
};

const fast: Behaviour = (name, req, res, log) => {
  log(`[${name}] ${req.method} ${req.url} → 200`);
  answer(name, res, '');
};

const sometimesSlow: Behaviour = (name, req, res, log) => {
  if (Math.random() >= SLOW_SHARE) return fast(name, req, res, log);
  log(`[${name}] ${req.method} ${req.url} → slow, answering in ${SLOW_MS} ms`);
  const started = Date.now();
  const timer = setTimeout(() => answer(name, res, ` (slow: ${SLOW_MS} ms)`), SLOW_MS);
  res.once('close', () => {
    if (res.writableFinished) return;
    clearTimeout(timer);
    log(`[${name}] cancelled after ${Date.now() - started} ms: the backup request answered first`);
  });
};

const sometimesFailing: Behaviour = (name, req, res, log) => {
  if (Math.random() >= FAILURE_SHARE) return fast(name, req, res, log);
  log(`[${name}] ${req.method} ${req.url} → 503 (the mesh retries on another host)`);
  res.writeHead(503, { 'content-type': 'text/plain' }).end(`${name} failed\n`);
};

/** Starts alpha, bravo and charlie on 127.0.0.1, ports picked by the system. Owned by the main thread. */
export async function startDemoUpstreams(log: (line: string) => void): Promise<DemoUpstreams> {
  const behaviours: [string, Behaviour, string][] = [
    ['alpha', fast, 'always fast'],
    ['bravo', sometimesSlow, `slow (${SLOW_MS} ms) half the time`],
    ['charlie', sometimesFailing, `fails ${FAILURE_SHARE * 100} % of requests`],
  ];
  const servers: Server[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(
      servers.map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
  };
  try {
    for (const [name, behaviour, description] of behaviours) {
      const server = createServer((req, res) => {
        req.resume();
        behaviour(name, req, res, log);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      log(`demo upstream ${name} on 127.0.0.1:${(server.address() as AddressInfo).port}: ${description}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ports: servers.map((server) => (server.address() as AddressInfo).port), close };
}
