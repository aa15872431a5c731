// The identity check of TLS upstreams: Node's subjectaltname parsed into typed SANs, and the
// SAN matchers of match_typed_subject_alt_names (Envoy's rules, wildcard DNS SANs included).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import test from 'node:test';
import type { SubjectAltNameMatcher } from '../../../src/core/model/cluster.ts';
import type { StringMatcher } from '../../../src/core/model/matcher.ts';
import { identityCheck, subjectAltNames } from '../../../src/protocols/http/tls-identity.ts';
import { tlsFixturePath } from './servers.ts';

const exact = (value: string, ignoreCase = false): StringMatcher => ({ kind: 'exact', value, ignoreCase });
const cert = (subjectaltname: string) => ({ subjectaltname }) as PeerCertificate;

test("Node's subjectaltname: kinds, IPv6 compressed, quoted values, other kinds left out", () => {
  const fixture = new X509Certificate(readFileSync(tlsFixturePath('server.pem'))).subjectAltName ?? '';
  assert.deepEqual(subjectAltNames(fixture), [
    { type: 'DNS', value: 'localhost' },
    { type: 'IP_ADDRESS', value: '127.0.0.1' },
    { type: 'IP_ADDRESS', value: '::1' },
    { type: 'URI', value: 'spiffe://sidelet.test/ns/default/sa/server' },
  ]);
  assert.deepEqual(subjectAltNames('email:ops@example.com, DNS:"a,b.example", DirName:"CN=x", DNS:c.example'), [
    { type: 'EMAIL', value: 'ops@example.com' },
    { type: 'DNS', value: 'a,b.example' },
    { type: 'DNS', value: 'c.example' },
  ]);
  assert.deepEqual(subjectAltNames(''), []);
});

test('a SAN must match one matcher of its type; ANY (match_subject_alt_names) takes every type', () => {
  const sans = 'DNS:orders.internal, URI:spiffe://mesh/ns/a/sa/orders, IP Address:10.0.0.7';
  const check = (matchers: SubjectAltNameMatcher[]) => identityCheck(matchers)('ignored.host', cert(sans));
  assert.equal(check([{ sanType: 'URI', matcher: { kind: 'prefix', value: 'spiffe://mesh/', ignoreCase: false } }]), undefined);
  assert.equal(check([{ sanType: 'IP_ADDRESS', matcher: exact('10.0.0.7') }]), undefined);
  assert.equal(check([{ sanType: 'ANY', matcher: exact('orders.internal') }]), undefined);
  const refused = check([{ sanType: 'DNS', matcher: exact('spiffe://mesh/ns/a/sa/orders') }]);
  assert.ok(refused instanceof Error);
  assert.equal((refused as Error & { code?: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.match(refused.message, /SANs \(DNS:orders\.internal, .*\) match none of match_typed_subject_alt_names/);
});

test('an exact DNS matcher honours a wildcard SAN for one label only', () => {
  const check = (name: string) => identityCheck([{ sanType: 'DNS', matcher: exact(name) }])('h', cert('DNS:*.example.com'));
  assert.equal(check('api.example.com'), undefined);
  const upper = (ignoreCase: boolean) => identityCheck([{ sanType: 'DNS', matcher: exact('api.example.com', ignoreCase) }])('h', cert('DNS:*.EXAMPLE.COM'));
  assert.equal(upper(true), undefined);
  assert.ok(upper(false) instanceof Error);
  assert.ok(check('a.b.example.com') instanceof Error);
  assert.ok(check('example.com') instanceof Error);
  assert.ok(identityCheck([{ sanType: 'DNS', matcher: { kind: 'suffix', value: 'x.example.com', ignoreCase: false } }])('h', cert('DNS:*.example.com')) instanceof Error, 'only exact matchers expand wildcards');
});

test("without matchers, Node's host name check applies", () => {
  const check = identityCheck([]);
  assert.equal(check('localhost', { subjectaltname: 'DNS:localhost', subject: { CN: 'localhost' } } as unknown as PeerCertificate), undefined);
  assert.ok(check('orders.internal', { subjectaltname: 'DNS:localhost', subject: { CN: 'localhost' } } as unknown as PeerCertificate) instanceof Error);
});
