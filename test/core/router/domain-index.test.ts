// Virtual host selection: Envoy's precedence (exact > suffix wildcard > prefix wildcard > "*",
// longest wildcard first), case-insensitive hosts, with and without port, IPv6 literals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainIndex, portStart } from '../../../src/core/router/domain-index.ts';

const index = (...hosts: [string, string[]][]) => new DomainIndex(hosts.map(([value, domains]) => ({ domains, value })));

// One table for the precedence order: each host below is served by the named virtual host.
const precedence = index(
  ['exact', ['www.foo.com']],
  ['suffix-short', ['*.com']],
  ['suffix-long', ['*.foo.com']],
  ['suffix-dash', ['*-bar.foo.com']],
  ['prefix-short', ['www.*']],
  ['prefix-long', ['www.foo.*']],
  ['prefix-dash', ['api-*']],
  ['any', ['*']],
);

const precedenceCases: [string, string, string][] = [
  ['exact beats every wildcard', 'www.foo.com', 'exact'],
  ['exact compares case-insensitively', 'WWW.Foo.COM', 'exact'],
  ['suffix: the longest wildcard wins', 'api.foo.com', 'suffix-long'],
  ['suffix: *-bar.foo.com is longer than *.foo.com', 'baz-bar.foo.com', 'suffix-dash'],
  ['suffix: a shorter wildcard when the longer does not fit', 'bar.com', 'suffix-short'],
  ['suffix beats prefix', 'www.foo.org.com', 'suffix-short'],
  ['prefix: the longest wildcard wins', 'www.foo.org', 'prefix-long'],
  ['prefix: a shorter wildcard when the longer does not fit', 'www.bar.org', 'prefix-short'],
  ['prefix: dash form', 'api-eu.example.org', 'prefix-dash'],
  ['"*" when nothing else matches', 'example.org', 'any'],
  ['a suffix wildcard does not match the empty string', '-bar.foo.com', 'suffix-long'],
  ['a suffix wildcard does not match its bare suffix', '.foo.com', 'suffix-short'],
  ['a prefix wildcard does not match the empty string', 'api-', 'any'],
];

for (const [name, host, expected] of precedenceCases) {
  test(`domain precedence: ${name} (${host})`, () => {
    assert.equal(precedence.find(host), expected);
  });
}

const ports = index(
  ['with-port', ['reviews:80']],
  ['without-port', ['reviews', 'ratings']],
  ['ratings-9080', ['ratings:9080']],
  ['wild', ['*.svc.cluster.local']],
  ['v6', ['[::1]']],
  ['v6-port', ['[::1]:8443']],
  ['any', ['*']],
);

const portCases: [string, string, string][] = [
  ['the authority as given first', 'reviews:80', 'with-port'],
  ['the host without port', 'reviews', 'without-port'],
  ['port stripped when the port form is not listed', 'reviews:9080', 'without-port'],
  ['port form preferred when listed', 'ratings:9080', 'ratings-9080'],
  ['port stripped before "*" applies', 'ratings:1234', 'without-port'],
  ['a wildcard after stripping the port', 'reviews.default.svc.cluster.local:80', 'wild'],
  ['IPv6 literal', '[::1]', 'v6'],
  ['IPv6 literal with its listed port', '[::1]:8443', 'v6-port'],
  ['IPv6 literal, port stripped', '[::1]:80', 'v6'],
  ['unbracketed IPv6 has no port to strip', '::1', 'any'],
  ['nothing with or without port: "*"', 'details:80', 'any'],
];

for (const [name, host, expected] of portCases) {
  test(`domain ports: ${name} (${host})`, () => {
    assert.equal(ports.find(host), expected);
  });
}

test('domain index: no "*" and no match gives undefined; the first owner of a domain keeps it', () => {
  const hosts = index(['first', ['a.com', '*.b.com']], ['second', ['a.com', '*.b.com']]);
  assert.equal(hosts.find('c.com'), undefined);
  assert.equal(hosts.find('c.com:80'), undefined);
  assert.equal(hosts.find('a.com'), 'first');
  assert.equal(hosts.find('x.b.com'), 'first');
});

test('domain index: 1,000 virtual hosts, each found by exact, suffix and prefix wildcard', () => {
  const many: [string, string[]][] = [];
  for (let i = 0; i < 1000; i++) many.push([`vh${i}`, [`svc${i}.ns`, `*.zone${i}.example`, `edge${i}.*`]]);
  const hosts = index(...many);
  for (const i of [0, 1, 499, 999]) {
    assert.equal(hosts.find(`svc${i}.ns:80`), `vh${i}`);
    assert.equal(hosts.find(`a.zone${i}.example`), `vh${i}`);
    assert.equal(hosts.find(`edge${i}.io`), `vh${i}`);
  }
});

const portStarts: [string, number][] = [
  ['reviews', -1],
  ['reviews:80', 7],
  ['reviews:', -1],
  ['reviews:http', -1],
  ['[::1]', -1],
  ['[::1]:80', 5],
  ['::1', -1],
  ['[fe80::1%25eth0]:443', 16],
];

for (const [host, expected] of portStarts) {
  test(`port start: ${host}`, () => {
    assert.equal(portStart(host), expected);
  });
}
