import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { emptyDnsStats, normalisedEntropy, parseDnsLine, PodIndex, shannonEntropy, type DnsContext } from '../../src/detect/dns.js';
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
    expect(event.pod).toEqual({ namespace: 'tracing', name: 'agent-5f6d7c-abcde', serviceAccount: 'agent', workload: 'Deployment/agent' });
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
    ['db.tracing.svc.cluster.local', 'NOERROR', false, 'db.tracing.svc.cluster.local'],
    // only outside names are stripped: an in-cluster name stays what it is (internal either way)
    ['nope.tracing.svc.cluster.local', 'NXDOMAIN', false, 'nope.tracing.svc.cluster.local'],
    ['nope.svc.cluster.local', 'NXDOMAIN', false, 'nope.svc.cluster.local'],
  ])('search-path expansion: %s %s', (name, rcode, expansion, query) => {
    const event = parseDnsLine(`2026-03-01T10:00:00Z [INFO] 10.244.3.17:1 - 1 "A IN ${name}. udp 41 false 512" ${rcode} qr 41 0.1s`, 'f:1', context(), emptyDnsStats())!;
    expect([event.searchExpansion, event.query]).toEqual([expansion, query]);
  });

  it('marks cluster, private and reverse names internal', () => {
    for (const name of ['db.tracing.svc.cluster.local', 'metadata.google.internal', '17.3.244.10.in-addr.arpa']) {
      const event = parseDnsLine(`2026-03-01T10:00:00Z [INFO] 10.244.3.17:1 - 1 "A IN ${name}. udp 41 false 512" NOERROR qr 41 0.1s`, 'f:1', context(), emptyDnsStats())!;
      expect(event.internal, name).toBe(true);
    }
  });

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
