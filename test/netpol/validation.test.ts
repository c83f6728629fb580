import { describe, expect, it } from 'vitest';
import { inventoryFromText } from '../../src/load/sources.js';
import { parseAdminPolicy } from '../../src/netpol/anp.js';
import { connectionList, netpolFindings } from '../../src/netpol/index.js';
import { parseNetworkPolicy } from '../../src/netpol/policy.js';
import { pathText } from '../../src/core/provenance.js';

/** What the API server rejects, it is rejected here: the field and the reason, and the policy is left out. */

const networkPolicy = (spec: string) => inventoryFromText(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: ${spec}\n`).inventory.objects[0];
const adminPolicy = (kind: string, name: string, spec: string) => inventoryFromText(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`).inventory.objects[0];

describe('NetworkPolicy validation', () => {
  it.each([
    ['an invalid CIDR', '{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}', 'spec.ingress[0].from[0].ipBlock.cidr', /prefix must be 0-32/],
    ['an except outside its cidr', '{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]}', 'spec.ingress[0].from[0].ipBlock.except[0]', /strict subset/],
    ['an except equal to its cidr', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]}', 'spec.egress[0].to[0].ipBlock.except[0]', /strict subset/],
    ['an unknown selector operator', '{podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}}', 'spec.podSelector', /not a valid selector operator/],
    ['In without values', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In}]}}]}]}', 'spec.ingress[0].from[0].namespaceSelector', /must be non-empty/],
    ['an invalid label key', '{podSelector: {matchLabels: {"-bad": x}}}', 'spec.podSelector.matchLabels["-bad"]', /not a valid label key/],
    ['endPort without a port', '{podSelector: {}, ingress: [{ports: [{endPort: 90}]}]}', 'spec.ingress[0].ports[0].endPort', /port is not specified/],
    ['endPort with a named port', '{podSelector: {}, ingress: [{ports: [{port: http, endPort: 90}]}]}', 'spec.ingress[0].ports[0].endPort', /non-numeric/],
    ['endPort below port', '{podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]}', 'spec.ingress[0].ports[0].endPort', /greater than or equal/],
    ['a port out of range', '{podSelector: {}, ingress: [{ports: [{port: 70000}]}]}', 'spec.ingress[0].ports[0].port', /1-65535/],
    ['a port name that is not IANA_SVC_NAME', '{podSelector: {}, ingress: [{ports: [{port: "80"}]}]}', 'spec.ingress[0].ports[0].port', /at least one letter/],
    ['an unknown protocol', '{podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}', 'spec.ingress[0].ports[0].protocol', /not supported/],
    ['an empty peer', '{podSelector: {}, ingress: [{from: [{}]}]}', 'spec.ingress[0].from[0]', /must specify a peer/],
    ['an ipBlock with a selector', '{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}', 'spec.ingress[0].from[0]', /both ipBlock and another peer/],
    ['an unknown policy type', '{podSelector: {}, policyTypes: [Ingress, Exgress]}', 'spec.policyTypes[1]', /not a policy type/],
    ['three policy types', '{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}', 'spec.policyTypes', /more than two/],
  ])('rejects %s', (_name, spec, field, message) => {
    const { model, problems } = parseNetworkPolicy(networkPolicy(spec));
    expect(model).toBeUndefined();
    expect(problems.map((problem) => pathText(problem.path))).toContain(field);
    expect(problems.find((problem) => pathText(problem.path) === field)?.message).toMatch(message);
  });

  it.each([
    ['a missing podSelector (defaults to all pods)', '{ingress: [{}]}'],
    ['an IPv6 block with an IPv6 except', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}}]}]}'],
    ['host bits in a CIDR (masked, as ParseCIDRSloppy does)', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.1.2.3/8}}]}]}'],
    ['a namespaceSelector and a podSelector in one peer', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: a}}}]}]}'],
  ])('accepts %s', (_name, spec) => {
    expect(parseNetworkPolicy(networkPolicy(spec)).problems).toEqual([]);
  });
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy validation', () => {
  it.each([
    ['AdminNetworkPolicy', 'a', '{priority: 1001, subject: {namespaces: {}}}', 'spec.priority', /0-1000/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}}', 'spec.subject', /exactly one/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}}, ingress: [{action: Drop, from: [{namespaces: {}}]}]}', 'spec.ingress[0].action', /Allow, Deny, Pass/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{networks: [10.0.0.0/8]}]}]}', 'spec.ingress[0].from[0]', /may not be used here/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}}, egress: [{action: Deny, to: [{networks: [10.0.0.0/88]}]}]}', 'spec.egress[0].to[0].networks[0]', /prefix/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}}, egress: [{action: Deny, to: []}]}', 'spec.egress[0].to', /1-100 peers/],
    ['AdminNetworkPolicy', 'a', '{priority: 1, subject: {namespaces: {}}, egress: [{action: Deny, to: [{namespaces: {}}], ports: [{portNumber: {port: 80}, namedPort: http}]}]}', 'spec.egress[0].ports[0]', /exactly one of portNumber/],
    ['BaselineAdminNetworkPolicy', 'strict', '{subject: {namespaces: {}}}', 'metadata.name', /named "default"/],
    ['BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {}}, egress: [{action: Pass, to: [{namespaces: {}}]}]}', 'spec.egress[0].action', /Allow, Deny/],
  ])('rejects a %s with %s', (kind, name, spec, field, message) => {
    const { model, problems } = parseAdminPolicy(adminPolicy(kind, name, spec));
    expect(model).toBeUndefined();
    expect(problems.find((problem) => pathText(problem.path) === field)?.message).toMatch(message);
  });
});

describe('rejected policies in the analysis', () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/16
            except: [10.9.0.0/24]
`;

  it('are left out of the connectivity analysis: they protect nothing', () => {
    const { inventory } = inventoryFromText(yaml, 'policies.yaml');
    const lines = connectionList(inventory).connections.map((connection) => `${connection.src} => ${connection.dst} : ${connection.conn}`);
    expect(lines).toEqual(['0.0.0.0-255.255.255.255[External] => shop/web[Pod] : All Connections', 'shop/web[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections']);
  });

  it('are findings naming the policy and the field, on the field\'s line', () => {
    const { inventory } = inventoryFromText(yaml, 'policies.yaml');
    const finding = netpolFindings(inventory).findings.find((candidate) => candidate.ruleId === 'netpol-invalid-policy');
    expect(finding?.object).toMatchObject({ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-all' });
    expect(finding?.message).toContain('spec.egress[0].to[0].ipBlock.except[0]: except "10.9.0.0/24" must be a strict subset of cidr "10.0.0.0/16"');
    expect(finding?.location).toEqual({ file: 'policies.yaml', line: 16 });
    expect(finding?.stage).toBe('limit');
  });
});
