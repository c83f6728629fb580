import { describe, expect, it } from 'vitest';
import type { AnalysisOptions } from '../../src/netpol/index.js';
import { A, B, C, connectionsOf, EXTERNAL, sorted, WORLD, worldExpecting } from './helpers.js';

/**
 * The semantic corners of NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy, one row
 * each: policies added to the WORLD of helpers.ts (x/a, x/b in namespace x team=red; z/c in z
 * team=blue) and the complete connectivity list expected, written as changes from all-allowed.
 */

const np = (namespace: string, name: string, spec: string) => `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec: ${spec}`;
const anp = (name: string, priority: number, spec: string) => `
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ${name}}
spec: {priority: ${priority}, ${spec}}`;
const banp = (spec: string) => `
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec: {${spec}}`;
const pair = (src: string, dst: string) => `${src} => ${dst}`;
const intoAll = (dst: string, conn: string | null, from = [A, B, C, EXTERNAL]) => Object.fromEntries(from.filter((src) => src !== dst).map((src) => [pair(src, dst), conn]));
const outOfAll = (src: string, conn: string | null, to = [A, B, C, EXTERNAL]) => Object.fromEntries(to.filter((dst) => dst !== src).map((dst) => [pair(src, dst), conn]));

interface Row {
  name: string;
  policies: string;
  expected: Map<string, string>;
  world?: string;
  options?: AnalysisOptions;
}

const ranges11 = ['0.0.0.0-9.255.255.255', '10.0.0.0-10.0.255.255', '10.1.0.0-10.1.255.255', '10.2.0.0-10.255.255.255', '11.0.0.0-255.255.255.255'].map((range) => `${range}[External]`);
const ranges24 = ['0.0.0.0-10.7.255.255', '10.8.0.0-10.8.255.255', '10.9.0.0-255.255.255.255'].map((range) => `${range}[External]`);
const hostNetworkWorld = WORLD.replace('spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}', 'spec: {hostNetwork: true, containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}');
const podIpWorld = WORLD.replace("metadata: {name: c, namespace: z, labels: {pod: c, tier: api}}", 'metadata: {name: c, namespace: z, labels: {pod: c, tier: api}}\nstatus: {podIP: 10.8.0.5, podIPs: [{ip: 10.8.0.5}]}');
const defaultDenyX = np('x', 'deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}');

const rows: Row[] = [
  // policyTypes defaulting (pkg/apis/networking/v1/defaults.go)
  {
    name: 'no policyTypes and no egress rules: Ingress only (the classic default deny)',
    policies: np('x', 'deny', '{podSelector: {}}'),
    expected: worldExpecting({ ...intoAll(A, null), ...intoAll(B, null) }),
  },
  {
    name: '`egress: []` does not add Egress to the defaulted policyTypes',
    policies: np('x', 'p', '{podSelector: {matchLabels: {pod: a}}, egress: []}'),
    expected: worldExpecting(intoAll(A, null)),
  },
  {
    name: 'no policyTypes with egress rules: Ingress and Egress',
    policies: np('x', 'p', '{podSelector: {matchLabels: {pod: a}}, egress: [{ports: [{port: 53, protocol: UDP}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null), ...outOfAll(A, 'UDP 53') }),
  },
  {
    name: '`policyTypes: [Ingress]` ignores the egress rules it has',
    policies: np('x', 'p', '{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{}], egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]}'),
    expected: worldExpecting({}),
  },
  {
    name: '`policyTypes: [Egress]` without rules denies all egress',
    policies: np('x', 'p', '{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}'),
    expected: worldExpecting(outOfAll(A, null)),
  },
  // A connection needs both ends
  {
    name: 'egress at the source and ingress at the destination must both allow',
    policies:
      np('x', 'a-out', '{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: 8080}, {port: 9090}]}]}') +
      np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: 9090}, {port: 9999}]}]}'),
    expected: worldExpecting({ ...outOfAll(A, null), ...intoAll(B, null), [pair(A, B)]: 'TCP 9090' }),
  },
  {
    name: 'policies are additive: the union of every policy selecting the pod',
    policies:
      np('x', 'from-a', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: 8080}]}]}') +
      np('x', 'from-c', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}], ports: [{port: 9090}]}]}'),
    expected: worldExpecting({ ...intoAll(B, null), [pair(A, B)]: 'TCP 8080', [pair(C, B)]: 'TCP 9090' }),
  },
  // Ports
  {
    name: 'a named port resolves against the destination pod (ingress: the selected pod; egress: each destination; never an address)',
    policies:
      np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: http}]}]}') +
      np('z', 'c-out', '{podSelector: {matchLabels: {pod: c}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}'),
    expected: worldExpecting({ ...intoAll(B, null), [pair(A, B)]: 'TCP 8080', ...outOfAll(C, null), [pair(C, A)]: 'TCP 80' }),
  },
  {
    name: 'a named port counts only with the protocol the container declares',
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: dns}]}, {from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: dns, protocol: UDP}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null), [pair(B, A)]: 'UDP 53' }),
  },
  {
    name: 'endPort closes an inclusive range',
    policies: np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{ports: [{port: 8000, endPort: 8080}, {protocol: UDP, port: 5000, endPort: 5000}]}]}'),
    expected: worldExpecting(intoAll(B, 'TCP 8000-8080,UDP 5000')),
  },
  {
    name: '`ports: [{}]` is every TCP port; `[{protocol: UDP}]` every UDP port',
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{}]}, {from: [{namespaceSelector: {}}], ports: [{protocol: UDP}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null), [pair(B, A)]: 'TCP 1-65535,UDP 1-65535', [pair(C, A)]: 'UDP 1-65535' }),
  },
  {
    name: 'SCTP is its own protocol, never TCP',
    policies: np('z', 'c-in', '{podSelector: {}, ingress: [{ports: [{protocol: SCTP, port: 7000}]}]}'),
    expected: worldExpecting(intoAll(C, 'SCTP 7000')),
  },
  // Peers
  {
    name: 'ipBlock `except` cuts a range out (the space splits at every boundary), and another rule may still allow it',
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}, {from: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: 80}]}]}'),
    expected: worldExpecting(
      {
        ...intoAll(A, null, [B, C, ...ranges11]),
        [pair(ranges11[1], A)]: 'All Connections',
        [pair(ranges11[2], A)]: 'TCP 80',
        [pair(ranges11[3], A)]: 'All Connections',
      },
      { sources: ranges11 },
    ),
  },
  {
    name: 'selectors within one peer are ANDed, separate peers ORed',
    policies:
      np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {tier: web}}}]}]}') +
      np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {tier: api}}}]}]}'),
    expected: worldExpecting({ ...intoAll(B, null), ...intoAll(A, null), [pair(C, A)]: 'All Connections', [pair(B, A)]: 'All Connections' }),
  },
  {
    name: 'a podSelector alone matches pods of the policy namespace only',
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {tier: api}}}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null), [pair(B, A)]: 'All Connections' }),
  },
  {
    name: 'namespaces match by their labels, kubernetes.io/metadata.name included (set by the API server)',
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null), [pair(C, A)]: 'All Connections' }),
  },
  {
    name: 'matchExpressions: NotIn matches pods without the value (and without the key)',
    policies: np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [api]}]}}]}]}'),
    expected: worldExpecting({ ...intoAll(B, null), [pair(A, B)]: 'All Connections' }),
  },
  // AdminNetworkPolicy and BaselineAdminNetworkPolicy
  {
    name: 'an AdminNetworkPolicy Deny overrides a NetworkPolicy allow',
    policies: np('x', 'b-open', '{podSelector: {matchLabels: {pod: b}}, ingress: [{}]}') + anp('deny-blue', 10, 'subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}, ingress: [{name: deny-blue, action: Deny, from: [{namespaces: {matchLabels: {team: blue}}}]}]'),
    expected: worldExpecting({ [pair(C, A)]: null, [pair(C, B)]: null }),
  },
  {
    name: 'an AdminNetworkPolicy Allow overrides a NetworkPolicy deny',
    policies: np('x', 'deny', '{podSelector: {}, policyTypes: [Ingress]}') + anp('allow-blue', 10, 'subject: {pods: {namespaceSelector: {matchLabels: {team: red}}, podSelector: {}}}, ingress: [{action: Allow, from: [{namespaces: {matchLabels: {team: blue}}}], ports: [{portRange: {protocol: TCP, start: 80, end: 81}}]}]'),
    expected: worldExpecting({ ...intoAll(A, null), ...intoAll(B, null), [pair(C, A)]: 'TCP 80-81', [pair(C, B)]: 'TCP 80-81' }),
  },
  {
    name: 'Pass hands the decision to NetworkPolicies, and where none selects the pod, to the BaselineAdminNetworkPolicy',
    policies:
      anp('pass', 10, 'subject: {namespaces: {matchLabels: {team: red}}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]') +
      banp('subject: {namespaces: {matchLabels: {team: red}}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]') +
      np('x', 'b-in', '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: 8080}]}]}'),
    expected: worldExpecting({ ...intoAll(B, null), [pair(A, B)]: 'TCP 8080', [pair(B, A)]: null, [pair(C, A)]: null }),
  },
  {
    name: 'the lower priority number wins, and within a policy the first matching rule',
    policies:
      np('x', 'deny', '{podSelector: {}, policyTypes: [Ingress]}') +
      anp('broad', 20, 'subject: {namespaces: {matchLabels: {team: red}}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]') +
      anp('narrow', 10, 'subject: {namespaces: {matchLabels: {team: red}}}, ingress: [{name: web, action: Allow, from: [{namespaces: {matchLabels: {team: blue}}}], ports: [{portNumber: {port: 80}}]}, {name: rest, action: Deny, from: [{namespaces: {matchLabels: {team: blue}}}]}]'),
    expected: worldExpecting({ [pair(C, A)]: 'TCP 80', [pair(C, B)]: 'TCP 80', [pair(EXTERNAL, A)]: null, [pair(EXTERNAL, B)]: null }),
  },
  {
    name: 'the BaselineAdminNetworkPolicy applies only where no NetworkPolicy selects the pod',
    policies: np('x', 'a-out', '{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{}]}') + banp('subject: {namespaces: {matchLabels: {team: red}}}, egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]'),
    expected: worldExpecting({ [pair(B, EXTERNAL)]: null }),
  },
  {
    name: 'an ANP named port is looked up on the destination pod, with its protocol',
    policies: anp('named', 10, "subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}}, egress: [{action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {team: blue}}, podSelector: {}}}], ports: [{namedPort: http}]}, {action: Deny, to: [{namespaces: {}}]}]"),
    expected: worldExpecting({ [pair(A, C)]: 'TCP 81', [pair(A, B)]: null }),
  },
  // The choices where network plugins disagree
  {
    name: 'hostNetwork pods are pods by default (netpol-analyzer)',
    world: hostNetworkWorld,
    policies: defaultDenyX,
    expected: worldExpecting({ ...intoAll(A, null), ...intoAll(B, null), ...outOfAll(A, null), ...outOfAll(B, null) }),
  },
  {
    name: '--host-network node: a hostNetwork pod is its node, which policies neither isolate nor select',
    world: hostNetworkWorld,
    policies: defaultDenyX,
    options: { hostNetwork: 'node' },
    expected: worldExpecting({ [pair(C, B)]: null, [pair(EXTERNAL, B)]: null, [pair(B, C)]: null, [pair(B, EXTERNAL)]: null }),
  },
  {
    name: 'ipBlocks match external addresses only by default, not pod IPs',
    world: podIpWorld,
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.8.0.0/16}}]}]}'),
    expected: worldExpecting({ ...intoAll(A, null, [B, C, ...ranges24]), [pair(ranges24[1], A)]: 'All Connections' }, { sources: ranges24 }),
  },
  {
    name: '--ipblock-matches-pods: an ipBlock also matches a pod by its status.podIPs',
    world: podIpWorld,
    policies: np('x', 'a-in', '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.8.0.0/16}}]}]}'),
    options: { ipBlockMatchesPods: true },
    expected: worldExpecting({ ...intoAll(A, null, [B, C, ...ranges24]), [pair(ranges24[1], A)]: 'All Connections', [pair(C, A)]: 'All Connections' }, { sources: ranges24 }),
  },
];

describe('NetworkPolicy and AdminNetworkPolicy semantics', () => {
  it.each(rows)('$name', ({ world, policies, expected, options }) => {
    expect(sorted(connectionsOf((world ?? WORLD) + policies, options))).toEqual(sorted(expected));
  });
});
