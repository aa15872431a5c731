// Child process running the test ADS fixture server (real grpc-js, 127.0.0.1) with a fleet of
// `argv[2]` clusters; prints `{"port": n}` once serving and exits when its stdin closes.
import { AdsFixture } from '../../test/xds/fixtures/ads-server.ts';
import { CDS, EDS, LDS, RDS } from '../../test/xds/fixtures/resources.ts';
import { fleet } from './fleet.ts';

const clusters = Number(process.argv[2] ?? '10');
const server = await AdsFixture.start();
const f = fleet(clusters);
server.setResources(LDS, 'l1', f.listeners);
server.setResources(RDS, 'r1', f.routeConfigurations);
server.setResources(CDS, 'c1', f.clusters);
server.setResources(EDS, 'e1', f.assignments);
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
