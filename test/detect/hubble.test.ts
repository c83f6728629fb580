import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { PodIndex } from '../../src/core/pods.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { flowEvent, type FlowEvent } from '../../src/detect/flow-events.js';
import { attributeFlow, emptyFlowStats, isPublicAddress, isWorld, parseFlowLine } from '../../src/detect/hubble.js';
import { buildMetrics } from '../../src/detect/metrics.js';
import { DetectPipeline } from '../../src/detect/pipeline.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';

/**
 * Hubble flows as `hubble observe -o json` prints them and the exporter writes them: both verdicts,
 * IPv4 and IPv6, pods and reserved identities (world, host, kube-apiserver).
 */

const pods = new PodIndex([
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'web-5f6d7c-abcde', labels: { app: 'web', 'pod-template-hash': '5f6d7c' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5f6d7c', controller: true }] }, spec: { serviceAccountName: 'web' }, status: { phase: 'Running', podIP: '10.244.1.10', podIPs: [{ ip: '10.244.1.10' }, { ip: 'fd00:10:244:1::a' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'db-0', ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] }, spec: { serviceAccountName: 'db' }, status: { phase: 'Running', podIP: '10.244.2.20' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'kube-system', name: 'coredns-76f75df574-x7k2p', labels: { 'pod-template-hash': '76f75df574' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'coredns-76f75df574', controller: true }] }, spec: { serviceAccountName: 'coredns' }, status: { phase: 'Running', podIP: '10.244.0.3' } },
] as KubeObject[]);

/** A GetFlowsResponse line, as the exporter and `hubble observe -o json` write them. */
const EGRESS_WORLD_V4 =
  '{"flow":{"time":"2026-03-01T10:00:01.123456789Z","uuid":"0b5f1c1e-6a1c-4b2e-9f0e-1a2b3c4d5e6f","verdict":"FORWARDED","ethernet":{"source":"aa:bb:cc:dd:ee:01","destination":"aa:bb:cc:dd:ee:02"},"IP":{"source":"10.244.1.10","destination":"140.82.112.3","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":43512,"destination_port":443,"flags":{"SYN":true}}},"source":{"ID":1234,"identity":48291,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop","k8s:io.cilium.k8s.policy.serviceaccount=web"],"pod_name":"web-5f6d7c-abcde","workloads":[{"name":"web","kind":"Deployment"}]},"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4","node_name":"kind-worker","destination_names":["api.github.com"],"event_type":{"type":4,"sub_type":3},"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"kind-worker","time":"2026-03-01T10:00:01.123456789Z"}';
const DROPPED_POLICY_V4 =
  '{"flow":{"time":"2026-03-01T10:00:02Z","verdict":"DROPPED","drop_reason":133,"IP":{"source":"10.244.1.10","destination":"10.244.2.20","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":44916,"destination_port":5432,"flags":{"SYN":true}}},"source":{"ID":1234,"identity":48291,"namespace":"shop","labels":["k8s:app=web"],"pod_name":"web-5f6d7c-abcde"},"destination":{"ID":2376,"identity":10337,"namespace":"shop","labels":["k8s:app=db"],"pod_name":"db-0"},"Type":"L3_L4","node_name":"kind-worker","traffic_direction":"EGRESS","drop_reason_desc":"POLICY_DENIED","egress_denied_by":[{"name":"default-deny","namespace":"shop","kind":"NetworkPolicy"}],"Summary":"TCP Flags: SYN"},"node_name":"kind-worker","time":"2026-03-01T10:00:02Z"}';
/** A bare Flow (older hubble), IPv6 to a world-ipv6 identity over UDP 53: DNS around the cluster resolver. */
const BARE_V6_DNS =
  '{"time":"2026-03-01T10:00:03.5Z","verdict":"FORWARDED","IP":{"source":"fd00:10:244:1::a","destination":"2606:4700:4700::1111","ipVersion":"IPv6"},"l4":{"UDP":{"source_port":53001,"destination_port":53}},"source":{"namespace":"shop","pod_name":"web-5f6d7c-abcde","labels":["k8s:app=web"]},"destination":{"identity":10,"labels":["reserved:world-ipv6"]},"traffic_direction":"EGRESS","is_reply":false,"Type":"L3_L4"}';
/** Ingress from the world dropped by policy, lowerCamel names (protojson defaults). */
const INGRESS_DROPPED_CAMEL =
  '{"flow":{"time":"2026-03-01T10:00:04Z","verdict":"DROPPED","dropReasonDesc":"POLICY_DENY","IP":{"source":"203.0.113.7","destination":"10.244.2.20","ipVersion":"IPv4"},"l4":{"TCP":{"sourcePort":51000,"destinationPort":5432,"flags":{"SYN":true}}},"source":{"identity":2,"labels":["reserved:world"]},"destination":{"namespace":"shop","podName":"db-0","labels":["k8s:app=db"]},"trafficDirection":"INGRESS","isReply":false}}';
const HOST_TO_APISERVER = '{"flow":{"time":"2026-03-01T10:00:05Z","verdict":"FORWARDED","IP":{"source":"172.18.0.2","destination":"172.18.0.3","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40000,"destination_port":6443,"flags":{"SYN":true,"ACK":true}}},"source":{"identity":1,"labels":["reserved:host"]},"destination":{"identity":7,"labels":["reserved:kube-apiserver"]},"traffic_direction":"EGRESS","is_reply":true}}';
const COREDNS_UPSTREAM = '{"flow":{"time":"2026-03-01T10:00:06Z","verdict":"FORWARDED","IP":{"source":"10.244.0.3","destination":"8.8.8.8","ipVersion":"IPv4"},"l4":{"UDP":{"source_port":40001,"destination_port":53}},"source":{"namespace":"kube-system","pod_name":"coredns-76f75df574-x7k2p","labels":["k8s:k8s-app=kube-dns"]},"destination":{"identity":2,"labels":["reserved:world"]},"traffic_direction":"EGRESS","is_reply":false}}';

describe('Hubble flow lines', () => {
  it('reads a GetFlowsResponse: verdict, IPv4, ports, flags, identities, workload, names', () => {
    const stats = emptyFlowStats();
    const [flow] = parseFlowLine(EGRESS_WORLD_V4, stats);
    expect(flow).toMatchObject({
      timeText: '2026-03-01T10:00:01.123456789Z',
      time: Date.parse('2026-03-01T10:00:01.123Z'),
      verdict: 'FORWARDED',
      direction: 'egress',
      isReply: false,
      ipVersion: 4,
      protocol: 'TCP',
      tcpFlags: ['SYN'],
      destinationNames: ['api.github.com'],
      node: 'kind-worker',
      type: 'L3_L4',
      source: { ip: '10.244.1.10', port: 43512, identity: 48291, namespace: 'shop', podName: 'web-5f6d7c-abcde', workload: { kind: 'Deployment', name: 'web' } },
      destination: { ip: '140.82.112.3', port: 443, identity: 2, reserved: ['world'] },
    });
    expect(isWorld(flow.destination)).toBe(true);
    expect(isWorld(flow.source)).toBe(false);
    expect(stats).toMatchObject({ lines: 1, flows: 1, malformed: 0 });
  });

  it('reads a flow dropped by policy, with the numeric reason and the policy that denied it', () => {
    const [flow] = parseFlowLine(DROPPED_POLICY_V4, emptyFlowStats());
    expect(flow).toMatchObject({ verdict: 'DROPPED', dropReason: 'POLICY_DENIED', policies: { deniedBy: ['NetworkPolicy/shop/default-deny'], allowedBy: [] } });
    const [camel] = parseFlowLine(INGRESS_DROPPED_CAMEL, emptyFlowStats());
    expect(camel).toMatchObject({ verdict: 'DROPPED', dropReason: 'POLICY_DENY', direction: 'ingress', source: { port: 51000, reserved: ['world'] }, destination: { podName: 'db-0', port: 5432 } });
  });

  it('reads a bare Flow over IPv6 and UDP, and reserved identities by number', () => {
    const [flow] = parseFlowLine(BARE_V6_DNS, emptyFlowStats());
    expect(flow).toMatchObject({ ipVersion: 6, protocol: 'UDP', source: { ip: 'fd00:10:244:1::a' }, destination: { ip: '2606:4700:4700::1111', port: 53, reserved: ['world-ipv6'] } });
    expect(isWorld(flow.destination)).toBe(true);
    const [host] = parseFlowLine(HOST_TO_APISERVER, emptyFlowStats());
    expect([host.source.reserved, host.destination.reserved, host.isReply, host.tcpFlags]).toEqual([['host'], ['kube-apiserver'], true, ['SYN', 'ACK']]);
    expect(isWorld(host.destination)).toBe(false);
  });

  it('reads `{"flows": [...]}` documents', () => {
    const stats = emptyFlowStats();
    const flows = parseFlowLine(JSON.stringify({ flows: [JSON.parse(EGRESS_WORLD_V4).flow, JSON.parse(BARE_V6_DNS)] }), stats);
    expect(flows).toHaveLength(2);
    expect(stats.flows).toBe(2);
  });

  it('counts garbage lines and other Hubble responses, and skips them', () => {
    const stats = emptyFlowStats();
    const lines = ['not json', '{"node_status":{"node_names":["a"]}}', '{"lost_events":{"source":"PERF_EVENT_RING_BUFFER","num_events_lost":3}}', '{"flow":{"verdict":"FORWARDED"}}', '[1,2', '', '42', EGRESS_WORLD_V4];
    const flows = lines.flatMap((line) => parseFlowLine(line, stats));
    expect(flows).toHaveLength(1);
    expect(stats).toEqual({ lines: 7, flows: 1, other: 2, malformed: 4, unattributed: 0 });
  });

  it('attributes both ends to pods: by Hubble names, else by IP (IPv6 too)', () => {
    const [flow] = parseFlowLine(DROPPED_POLICY_V4, emptyFlowStats());
    const { source, destination } = attributeFlow(flow, pods);
    expect(source).toMatchObject({ namespace: 'shop', name: 'web-5f6d7c-abcde', workload: 'Deployment/web', serviceAccount: 'web' });
    expect(destination).toMatchObject({ name: 'db-0', workload: 'StatefulSet/db', serviceAccount: 'db' });
    const [v6] = parseFlowLine(BARE_V6_DNS.replace('"namespace":"shop","pod_name":"web-5f6d7c-abcde",', ''), emptyFlowStats());
    expect(attributeFlow(v6, pods).source?.name).toBe('web-5f6d7c-abcde');
    // a pod Hubble names but --pods does not know: its labels and ServiceAccount label are used
    const [unknown] = parseFlowLine(EGRESS_WORLD_V4.replace(/web-5f6d7c-abcde/g, 'web-new-1'), emptyFlowStats());
    expect(attributeFlow(unknown, new PodIndex()).source).toEqual({ namespace: 'shop', name: 'web-new-1', serviceAccount: 'web', workload: 'Deployment/web', labels: { app: 'web' } });
  });

  it('tells public addresses from the rest', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.169.254', 'fd00::1', 'fe80::1', '::1', 'not-an-ip']) expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('gives every documented flow field a value or "not available" on every sample', () => {
    for (const line of [EGRESS_WORLD_V4, DROPPED_POLICY_V4, BARE_V6_DNS, INGRESS_DROPPED_CAMEL, HOST_TO_APISERVER]) {
      const [flow] = parseFlowLine(line, emptyFlowStats());
      const event: FlowEvent = flowEvent(flow, 'f:1', pods);
      for (const def of FIELD_TABLES.flow.values()) expect(() => def.extract(event, undefined), def.name).not.toThrow();
    }
  });
});

describe('built-in flow rules', () => {
  const rules = loadKubewardRules(builtinDetectRuleFiles());
  function run(lines: string[]) {
    const pipeline = new DetectPipeline({ rules, pods });
    lines.forEach((line, index) => pipeline.flowLine(line, `flows.json:${index + 1}`));
    pipeline.flush();
    return pipeline;
  }
  const at = (line: string, time: string) => line.replace(/"time":"[^"]+"/g, `"time":"${time}"`);

  it('alerts on the first internet egress of a workload in the window, not on the next ones', () => {
    const pipeline = run([EGRESS_WORLD_V4, at(EGRESS_WORLD_V4, '2026-03-01T10:10:00Z'), at(EGRESS_WORLD_V4, '2026-03-01T11:30:00Z')]);
    const alerts = pipeline.alerts().filter(({ alert }) => alert.rule === 'flow-new-internet-egress');
    expect(alerts.map(({ alert }) => alert.time)).toEqual(['2026-03-01T10:00:01.123456789Z', '2026-03-01T11:30:00Z']);
    expect(alerts[0].alert).toMatchObject({ priority: 'medium', principal: 'shop/web-5f6d7c-abcde', pod: { namespace: 'shop', name: 'web-5f6d7c-abcde', workload: 'Deployment/web', serviceAccount: 'web' }, domains: ['api.github.com'] });
    expect(alerts[0].alert.summary).toContain('api.github.com:443');
  });

  it('alerts on DNS to an outside resolver, but not from the cluster DNS itself', () => {
    const fired = run([BARE_V6_DNS, COREDNS_UPSTREAM]).alerts().map(({ alert }) => [alert.rule, alert.principal]);
    expect(fired).toContainEqual(['flow-egress-to-outside-resolver', 'shop/web-5f6d7c-abcde']);
    expect(fired.filter(([, principal]) => principal.startsWith('kube-system/'))).toEqual([]);
  });

  it('raises a network policy violation for flows dropped by policy, once per pod and peer', () => {
    const pipeline = run([DROPPED_POLICY_V4, at(DROPPED_POLICY_V4, '2026-03-01T10:00:30Z'), INGRESS_DROPPED_CAMEL]);
    const drops = pipeline.alerts().filter(({ alert }) => alert.rule === 'flow-dropped-by-policy').map(({ alert }) => alert.summary);
    expect(drops).toEqual([
      'shop/web-5f6d7c-abcde (Deployment/web) egress shop/db-0:5432 was dropped by policy (POLICY_DENIED, denied by (NetworkPolicy/shop/default-deny))',
      'shop/db-0 (StatefulSet/db) ingress 203.0.113.7:5432 was dropped by policy (POLICY_DENY, denied by ())',
    ]);
  });

  it('counts unexpected egress per workload as a metric, never as alerts', () => {
    const pipeline = run([EGRESS_WORLD_V4, at(EGRESS_WORLD_V4, '2026-03-01T10:01:00Z'), BARE_V6_DNS, COREDNS_UPSTREAM, HOST_TO_APISERVER, DROPPED_POLICY_V4]);
    expect(pipeline.alerts().map(({ alert }) => alert.rule)).not.toContain('unexpected-egress-volume');
    const metrics = buildMetrics(pipeline.summary(), pipeline.tally, pipeline.detector.metrics);
    expect(metrics.limit).toEqual({ unexpectedEgress: { 'shop/Deployment/web': 3 }, policyViolationAlerts: 1 });
    expect(metrics.input.flows).toBe(6);
  });
});
