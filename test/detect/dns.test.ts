import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { emptyDnsStats, normalisedEntropy, parseDnsLine, parseZoneName, shannonEntropy, type DnsContext } from '../../src/detect/dns.js';
import { PodIndex } from '../../src/core/pods.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';

const pod = (namespace: string, name: string, ip: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels: { 'pod-template-hash': '5f6d7c' }, ownerReferences: [{ kind: 'ReplicaSet', name: `${name.split('-')[0]}-5f6d7c`, controller: true }] },
  spec: { serviceAccountName: 'agent', containers: [] },
  status: { phase: 'Running', podIP: ip },
  ...extra,
});

const context = (): DnsContext => ({
  pods: new PodIndex([
    pod('tracing', 'agent-5f6d7c-abcde', '10.244.3.17'),
    pod('old', 'gone-5f6d7c-zzzzz', '10.244.3.17', { status: { phase: 'Succeeded', podIP: '10.244.3.17' } }),
    pod('kube-system', 'kube-proxy-x', '10.0.0.5', { spec: { hostNetwork: true, containers: [] }, status: { phase: 'Running', podIP: '10.0.0.5' } }),
  ]),
  clusterDomain: 'cluster.local',
  searchDomains: ['ec2.internal'],
  fallbackTime: Date.parse('2026-03-01T00:00:00Z'),
});

const field = (name: string) => FIELD_TABLES.dns.get(name)!;

describe('CoreDNS log lines', () => {
  it.each([
    ['with a shipper timestamp', '2026-03-01T10:00:00.5Z [INFO] 10.244.3.17:52311 - 4242 "A IN x.evil.com. udp 41 false 512" NOERROR qr,rd,ra 41 0.0001s', '2026-03-01T10:00:00.500Z'],
    ['with kubectl --timestamps nanoseconds', '2026-03-01T10:00:00.123456789Z [INFO] 10.244.3.17:52311 - 4242 "A IN x.evil.com. udp 41 false 512" NOERROR qr,rd,ra 41 0.0001s', '2026-03-01T10:00:00.123Z'],
    ['without a timestamp (file time)', '[INFO] 10.244.3.17:52311 - 4242 "A IN x.evil.com. udp 41 false 512" NOERROR qr,rd,ra 41 0.0001s', '2026-03-01T00:00:00.000Z'],
  ])('%s', (_name, line, time) => {
    const event = parseDnsLine(line, 'dns.log:1', context(), emptyDnsStats())!;
    expect(event.timeText).toBe(time);
    expect(event).toMatchObject({ clientIp: '10.244.3.17', qtype: 'A', name: 'x.evil.com', domain: 'evil.com', subdomain: 'x', rcode: 'NOERROR', searchExpansion: false, internal: false });
    expect(event.pod).toEqual({ namespace: 'tracing', name: 'agent-5f6d7c-abcde', serviceAccount: 'agent', workload: 'Deployment/agent', labels: { 'pod-template-hash': '5f6d7c' } });
  });

  it('reads IPv6 clients and keeps a line without a time at the previous line time', () => {
    const ctx = context();
    const stats = emptyDnsStats();
    parseDnsLine('2026-03-01T10:00:07Z [INFO] [::1]:50759 - 29008 "AAAA IN example.org. udp 41 false 4096" NOERROR qr,rd,ra,ad 68 0.037990251s', 'f:1', ctx, stats);
    const event = parseDnsLine('[INFO] [fd00::5]:50759 - 29008 "TXT IN a.b.example.co.uk. tcp 41 true 4096" NXDOMAIN qr,rd,ra 68 0.1s', 'f:2', ctx, stats)!;
    expect(event).toMatchObject({ clientIp: 'fd00::5', qtype: 'TXT', domain: 'example.co.uk', subdomain: 'a.b', proto: 'tcp', timeText: '2026-03-01T10:00:07.000Z' });
    expect(stats.unattributed).toBe(2);
  });

  it.each([
    ['x.evil.com.tracing.svc.cluster.local', 'NXDOMAIN', true, 'x.evil.com'],
    ['x.evil.com.svc.cluster.local', 'NXDOMAIN', true, 'x.evil.com'],
    ['x.evil.com.cluster.local', 'NXDOMAIN', true, 'x.evil.com'],
    ['x.evil.com.ec2.internal', 'NXDOMAIN', true, 'x.evil.com'],
    // outside names under TLDs missing from the public suffix list are expansions just the same
    ['0001.s7k2.exfil.test.tracing.svc.cluster.local', 'NXDOMAIN', true, '0001.s7k2.exfil.test'],
    ['0001.s7k2.collector.zzexfilnet.cluster.local', 'NXDOMAIN', true, '0001.s7k2.collector.zzexfilnet'],
    ['x.y.corp.ec2.internal', 'NXDOMAIN', true, 'x.y.corp'],
    // a Service of another namespace (one pods run in), a pod name, an SRV record: cluster names, not expansions
    ['db.old.svc.cluster.local', 'NXDOMAIN', false, 'db.old.svc.cluster.local'],
    ['10-1-2-3.tracing.pod.cluster.local', 'NXDOMAIN', false, '10-1-2-3.tracing.pod.cluster.local'],
    ['db.tracing.svc.cluster.local', 'NOERROR', false, 'db.tracing.svc.cluster.local'],
    // only outside names are stripped: an in-cluster name stays what it is (internal either way)
    ['nope.tracing.svc.cluster.local', 'NXDOMAIN', false, 'nope.tracing.svc.cluster.local'],
    ['nope.svc.cluster.local', 'NXDOMAIN', false, 'nope.svc.cluster.local'],
  ])('search-path expansion: %s %s', (name, rcode, expansion, query) => {
    const event = parseDnsLine(`2026-03-01T10:00:00Z [INFO] 10.244.3.17:1 - 1 "A IN ${name}. udp 41 false 512" ${rcode} qr 41 0.1s`, 'f:1', context(), emptyDnsStats())!;
    expect([event.searchExpansion, event.query]).toEqual([expansion, query]);
  });

  const query = (name: string, flags = 'qr,rd,ra', rcode = 'NOERROR', ctx = context()) =>
    parseDnsLine(`2026-03-01T10:00:00Z [INFO] 10.244.3.17:1 - 1 "A IN ${name}. udp 41 false 512" ${rcode} ${flags} 41 0.1s`, 'f:1', ctx, emptyDnsStats())!;

  /**
   * Issue 8: what is internal comes from the cluster domain, the zones the user declares and what
   * CoreDNS says about its answer, never from the public suffix list: an attacker picks the TLD.
   */
  it.each([
    ['a reserved TLD', 'mzxw6ytboi.0001.s7k2.exfil.test', 'exfil.test', 'mzxw6ytboi.0001.s7k2'],
    ['a private TLD', 'mzxw6ytboi.0001.s7k2.collector.corp', 'collector.corp', 'mzxw6ytboi.0001.s7k2'],
    ['a made-up gTLD', 'mzxw6ytboi.0001.s7k2.collector.zzexfilnet', 'collector.zzexfilnet', 'mzxw6ytboi.0001.s7k2'],
    ['.internal', 'mzxw6ytboi.0001.s7k2.metadata.internal', 'metadata.internal', 'mzxw6ytboi.0001.s7k2'],
    ['a public TLD', 'mzxw6ytboi.0001.s7k2.exfil-collector.com', 'exfil-collector.com', 'mzxw6ytboi.0001.s7k2'],
    ['a public suffix of two labels', 'mzxw6ytboi.0001.s7k2.exfil.co.uk', 'exfil.co.uk', 'mzxw6ytboi.0001.s7k2'],
  ])('a recursive answer under %s left the cluster; the registered domain is known', (_name, name, domain, subdomain) => {
    expect(query(name)).toMatchObject({ internal: false, answer: 'upstream', domain, subdomain });
  });

  it('reads who answered from the flags', () => {
    expect(query('db.tracing.svc.cluster.local', 'qr,aa,rd').answer).toBe('local');
    expect(query('x.evil.test', 'qr,rd,ra').answer).toBe('upstream');
    expect(query('x.evil.test', 'qr,aa,rd,ra').answer).toBe('cached');
    expect(query('x.evil.test', 'qr,rd').answer).toBe('unknown');
  });

  it.each([
    ['the cluster domain', 'db.tracing.svc.cluster.local', 'qr,aa,rd'],
    ['the cluster domain, answered from the cache', 'db.tracing.svc.cluster.local', 'qr,aa,rd,ra'],
    ['a zone CoreDNS serves itself (hosts, file)', 'registry.corp.example', 'qr,aa,rd'],
  ])('keeps %s internal', (_name, name, flags) => {
    expect(query(name, flags).internal).toBe(true);
  });

  it('keeps names under --internal-zone internal, whatever answered', () => {
    const ctx = { ...context(), internalZones: ['corp.example', 'internal'] };
    expect(query('build.ci.corp.example', 'qr,rd,ra', 'NOERROR', ctx).internal).toBe(true);
    expect(query('metadata.google.internal', 'qr,rd,ra', 'NOERROR', ctx).internal).toBe(true);
    // a zone is whole labels: notcorp.example is another domain
    expect(query('x.notcorp.example', 'qr,rd,ra', 'NOERROR', ctx).internal).toBe(false);
    // without the flag, the same names went upstream
    expect(query('metadata.google.internal').internal).toBe(false);
  });

  it('a cached answer for an outside name is not internal (the cache sets aa on everything)', () => {
    expect(query('x.evil.test', 'qr,aa,rd,ra').internal).toBe(false);
  });

  it('gives reverse lookups their reverse zone as domain', () => {
    expect(query('17.3.244.10.in-addr.arpa', 'qr,aa,rd')).toMatchObject({ domain: 'in-addr.arpa', internal: true });
    expect(query('8.8.8.8.in-addr.arpa')).toMatchObject({ domain: 'in-addr.arpa', subdomain: '8.8.8.8', internal: false });
  });

  it.each([
    ['corp.example', 'corp.example'],
    ['Corp.Example.', 'corp.example'],
    ['internal', 'internal'],
    ['_tcp.svc.example', '_tcp.svc.example'],
  ])('reads the zone name %s', (text, zone) => {
    expect(parseZoneName(text, '--internal-zone')).toBe(zone);
  });

  it.each(['', '.', 'a..b', '*.corp.example', 'http://corp.example', '10.0.0.0/8', '10.0.0.1', 'corp example', '-bad.example', `${'a'.repeat(64)}.example`, 'é.example'])(
    'rejects %j as a zone name with an input error',
    (text) => {
      expect(() => parseZoneName(text, '--internal-zone')).toThrow(/--internal-zone needs a DNS zone name/);
    },
  );

  it('leaves host-network pods out (their IP is the node IP) and prefers the running pod of a reused IP', () => {
    const index = context().pods;
    expect(index.get('10.0.0.5')).toBeUndefined();
    expect(index.get('10.244.3.17')?.name).toBe('agent-5f6d7c-abcde');
  });

  it('counts startup lines as other and broken query lines as malformed', () => {
    const stats = emptyDnsStats();
    for (const line of ['.:53', 'CoreDNS-1.11.1', '[INFO] plugin/reload: Running configuration', '[INFO] 10.244.3.17:1 - 1 "A IN broken', '']) parseDnsLine(line, 'f:1', context(), stats);
    expect(stats).toMatchObject({ lines: 4, queries: 0, other: 3, malformed: 1 });
  });

  it('measures labels: length, length-normalised entropy, digits', () => {
    const event = parseDnsLine('2026-03-01T10:00:00Z [INFO] 10.244.3.17:1 - 1 "A IN 12-mfrggzdfmztwq2lknnwg23tpobyxe43u.s7.exfil.net. udp 41 false 512" NOERROR qr 41 0.1s', 'f:1', context(), emptyDnsStats())!;
    expect(field('dns.label.maxlen').extract(event, undefined)).toBe(35);
    expect(field('dns.subdomain.labels').extract(event, undefined)).toBe(2);
    expect(field('dns.label.entropy').extract(event, undefined)).toBeGreaterThan(0.75);
    expect(field('dns.label.digits').extract(event, undefined)).toBeGreaterThan(0.1);
    expect(field('dns.pod.sa.username').extract(event, undefined)).toBe('system:serviceaccount:tracing:agent');
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(normalisedEntropy('abcd')).toBe(1);
    expect(normalisedEntropy('aaaaaaaaaaaaaaaaaaaaaaaa')).toBe(0);
  });
});
