// `sidelet run` as a real process with every kind of listener: h2c (--h2c), a bound listener from
// the config (Envoy's address + filter chain, in front of a local app), and Dubbo (--dubbo) with a
// real dubbo2.js client and a real Dubbo provider.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { apiListener, boundListener, localCluster } from '../helpers/bootstrap-builders.ts';
import { createDubboConsumer, startDubboProvider } from '../interop/xprotocol/dubbo-peers.ts';
import { answer, ECHO_INTERFACE } from '../interop/xprotocol/echo-service.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SidecarProcess, tempDir } from './sidecar-process.ts';

/** A listener routing everything under `domains` to `cluster`: outbound, or bound to `address`. */
function listener(name: string, domains: string[], cluster: string, address?: object): object {
  const routes = [{ match: { prefix: '/' }, route: { cluster } }];
  return address === undefined ? apiListener(name, domains, routes) : boundListener(name, address, domains, routes);
}

test('sidelet run serves h2c, a bound listener and Dubbo', async (t) => {
  const app = createServer((req, res) => res.end(`app saw ${req.headers.host ?? '-'} ${req.url}`));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const appPort = (app.address() as AddressInfo).port;
  const provider = await startDubboProvider({ name: 'p', versions: ['1.0.0'] });
  t.after(async () => {
    app.closeAllConnections();
    app.close();
    await provider.close();
  });
  const config = join(await tempDir(t, 'sidelet-protocols-'), 'mesh.json');
  await writeFile(config, JSON.stringify({
    static_resources: {
      listeners: [
        listener('reviews:80', ['reviews'], 'app'),
        listener('inbound|9080', ['*'], 'app', { socket_address: { address: '127.0.0.1', port_value: 0 } }),
        listener(ECHO_INTERFACE, [ECHO_INTERFACE], 'dubbo-provider'),
      ],
      clusters: [localCluster('app', [appPort]), localCluster('dubbo-provider', [provider.port])],
    },
  }));
  const sidecar = new SidecarProcess(t, ['-c', config, '--listen', '127.0.0.1:0', '--h2c', '127.0.0.1:0', '--dubbo', '127.0.0.1:0']);
  const h2cPort = Number((await sidecar.line(/^sidelet listening h2c 127\.0\.0\.1:(\d+)$/))[1]);
  const boundPort = Number((await sidecar.line(/^sidelet listening bound inbound\|9080 127\.0\.0\.1:(\d+)$/))[1]);
  const dubboPort = Number((await sidecar.line(/^sidelet listening dubbo 127\.0\.0\.1:(\d+)$/))[1]);
  await sidecar.line(/^sidelet ready epoch 0/);

  // h2c: routed by :authority.
  const session = connect(`http://127.0.0.1:${h2cPort}`);
  t.after(() => session.close());
  const stream = session.request({ ':path': '/h2', ':authority': 'reviews' });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await once(stream, 'end');
  assert.equal(Buffer.concat(chunks).toString(), 'app saw reviews /h2');

  // The bound listener routes by its own table whatever the Host (here its own address, no listener's name).
  const bound = await fetch(`http://127.0.0.1:${boundPort}/in`);
  assert.equal(await bound.text(), `app saw 127.0.0.1:${boundPort} /in`);

  // A real Dubbo client pointed at the sidecar reaches the real provider.
  const consumer = createDubboConsumer({ host: '127.0.0.1', port: dubboPort });
  t.after(() => consumer.close());
  assert.equal(await consumer.echoService('1.0.0').echo('via sidelet'), answer('p', '1.0.0', 'via sidelet'));
});
