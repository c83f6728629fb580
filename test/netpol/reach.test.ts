import { describe, expect, it } from 'vitest';
import { inventoryFromText } from '../../src/load/sources.js';
import { reach } from '../../src/netpol/index.js';
import { WORLD } from './helpers.js';

/** `netpol reach` says which tier, policy and rule decide each direction of one connection. */

const policies = `
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: red}}}
  ingress:
    - {name: deny-blue-ssh, action: Deny, from: [{namespaces: {matchLabels: {team: blue}}}], ports: [{portNumber: {port: 22}}]}
    - {action: Pass, from: [{namespaces: {}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {team: red}}}
  ingress: [{name: deny-all, action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-in, namespace: x}
spec:
  podSelector: {matchLabels: {pod: b}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: http}]}]
`;
const { inventory } = inventoryFromText(WORLD + policies);

describe('netpol reach', () => {
  it.each([
    ['z/c', 'x/b', '22', false, ['denied by AdminNetworkPolicy guard (priority 10), ingress rule "deny-blue-ssh"']],
    ['x/a', 'x/b', '8080', true, ['passed on by AdminNetworkPolicy guard (priority 10), ingress rule #2', 'allowed by NetworkPolicy x/b-in ingress rule #1']],
    ['x/a', 'x/b', '9090', false, ['passed on by AdminNetworkPolicy guard (priority 10), ingress rule #2', 'denied: isolated for ingress by NetworkPolicy x/b-in, and no rule of them allows it']],
    ['z/c', 'x/a', '80', false, ['passed on by AdminNetworkPolicy guard (priority 10), ingress rule #2', 'denied by BaselineAdminNetworkPolicy default, ingress rule "deny-all"']],
    ['x/a', 'z/c', '81', true, ['allowed: no NetworkPolicy isolates it for ingress and no BaselineAdminNetworkPolicy rule matches']],
    ['203.0.113.9', 'x/a', '80', true, ['allowed: no NetworkPolicy isolates it for ingress and no BaselineAdminNetworkPolicy rule matches']],
  ])('%s => %s port %s: allowed %s because %j', (src, dst, port, allowed, ingressReasons) => {
    const result = reach(inventory, { src, dst, port });
    expect(result.allowed).toBe(allowed);
    expect(result.verdicts.find((verdict) => verdict.direction === 'ingress')?.reasons).toEqual(ingressReasons);
  });

  it('answers for the node: always allowed by default, judged by policies as its address with --node-traffic policy', () => {
    const always = reach(inventory, { src: 'node', dst: 'x/b', port: '9090' });
    expect(always).toMatchObject({ src: '{node}', allowed: true });
    expect(always.verdicts[1].reasons[0]).toMatch(/^Kubernetes always allows traffic between a pod and its own node/);
    const judged = reach(inventory, { src: 'node', dst: 'x/b', port: '9090' }, { nodeTraffic: 'policy', nodeCidr: '10.0.0.0/24' });
    expect(judged.allowed).toBe(false);
    expect(judged.assumptions.nodeTraffic).toBe('traffic between a pod and its node is judged by policies, the node being 10.0.0.0/24 (--node-traffic policy); not listed');
  });

  it('names peers as connlist does and resolves a named port on the destination', () => {
    const result = reach(inventory, { src: 'a', dst: 'x/b[Pod]', port: 'http' });
    expect(result).toMatchObject({ src: 'x/a[Pod]', dst: 'x/b[Pod]', protocol: 'TCP', port: 8080, allowed: true });
    expect(result.verdicts[0]).toEqual({ direction: 'egress', allowed: true, reasons: ['allowed: no NetworkPolicy isolates it for egress and no BaselineAdminNetworkPolicy rule matches'] });
  });

  it.each([
    [{ src: 'x/nope', dst: 'x/a', port: '80' }, /no workload or IP address "x\/nope"/],
    [{ src: 'x/a', dst: 'x/b', port: '0' }, /not a port 1-65535/],
    [{ src: 'x/a', dst: 'x/b', port: 'grpc' }, /x\/b\[Pod\] has no container port named "grpc"/],
    [{ src: 'x/a', dst: 'x/b', port: '80', protocol: 'ICMP' }, /--protocol must be TCP, UDP or SCTP/],
  ])('rejects %j', (query, message) => {
    expect(() => reach(inventory, query)).toThrow(message);
  });

  it('asks for the kind when a name is ambiguous', () => {
    const ambiguous = inventoryFromText(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web-db}}, template: {metadata: {labels: {app: web-db}}, spec: {containers: [{name: c, image: i}]}}}
`).inventory;
    expect(() => reach(ambiguous, { src: 'shop/web', dst: '10.0.0.1', port: '80' })).toThrow('"shop/web" is ambiguous: shop/web[Deployment], shop/web[StatefulSet]');
    expect(reach(ambiguous, { src: 'shop/web[StatefulSet]', dst: '10.0.0.1', port: '80' }).allowed).toBe(true);
  });
});
