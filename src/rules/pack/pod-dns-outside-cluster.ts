import { isRecord } from '../../core/object.js';
import { podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import { isPublicAddress } from '../../netpol/index.js';
import type { Rule } from '../rule.js';
import { checkedWorkload } from './helpers.js';

export const podDnsOutsideCluster: Rule = {
  meta: {
    id: 'pod-dns-outside-cluster',
    title: 'Pod sends its DNS to resolvers outside the cluster',
    severity: 'medium',
    stage: 'recon',
    description:
      '`dnsPolicy: None` with `dnsConfig.nameservers` on the internet: every name the pod looks up goes straight to that resolver, past cluster DNS, its logs and any DNS policy, which is where a DNS tunnel would be seen. Whoever runs the resolver reads every query and chooses every answer. Nameservers at private addresses (a corporate resolver) are not reported.',
    remediation: 'Use `dnsPolicy: ClusterFirst` (the default); if the pod must resolve names cluster DNS cannot, configure forwarding in CoreDNS instead.',
    references: [{ tool: 'kubernetes-docs', id: 'pod-dns-config', url: 'https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-dns-config' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const template = podTemplateOf(object);
    if (!template || template.spec.dnsPolicy !== 'None' || !isRecord(template.spec.dnsConfig) || !Array.isArray(template.spec.dnsConfig.nameservers)) return [];
    const outside = template.spec.dnsConfig.nameservers.map((server, index) => ({ server: String(server).trim(), index })).filter(({ server }) => isPublicAddress(server));
    if (outside.length === 0) return [];
    return [
      {
        message: `dnsPolicy: None sends every DNS query of its pods to ${outside.map(({ server }) => server).join(', ')}, outside the cluster: cluster DNS and its logs never see them`,
        path: [...template.specPath, 'dnsConfig', 'nameservers', outside[0].index],
        evidence: { nameservers: outside.map(({ server }) => server) },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'cluster DNS, and a corporate resolver at a private address',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: legacy}
spec:
  dnsPolicy: None
  dnsConfig: {nameservers: [10.0.0.2], searches: [corp.example]}
  containers: [{name: app, image: "legacy:3.1"}]
`,
      },
    ],
    invalid: [
      {
        name: 'a tracing agent whose DNS goes to an outside resolver',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      dnsPolicy: None
      dnsConfig: {nameservers: [10.96.0.10, 203.0.113.53]}
      containers: [{name: agent, image: "agent:1.0.0"}]
`,
        violations: 1,
      },
    ],
  },
};
