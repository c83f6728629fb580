import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { chartYaml, writeTree } from '../helpers/chart.js';

interface JsonFinding {
  ruleId: string;
  severity: string;
  message: string;
  suppressed: boolean;
  suppression?: { reason: string };
  object: { kind: string; name: string };
}

const DIGEST = 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';

/** A chart shaped like prometheus-node-exporter: host PID and network, the node's / read-only, a hostPort, otherwise hardened. */
const NODE_EXPORTER = {
  'Chart.yaml': chartYaml('node-exporter'),
  'values.yaml': 'daemonsetAnnotations: {}\n',
  'templates/daemonset.yaml': `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-node-exporter
  namespace: {{ .Release.Namespace }}
  {{- with .Values.daemonsetAnnotations }}
  annotations: {{ toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}
  template:
    metadata: {labels: {app.kubernetes.io/name: node-exporter}}
    spec:
      serviceAccountName: {{ .Release.Name }}-node-exporter
      automountServiceAccountToken: false
      hostPID: true
      hostNetwork: true
      securityContext: {runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, runAsNonRoot: true}
      containers:
      - name: node-exporter
        image: "quay.io/prometheus/node-exporter:v1.8.2@${DIGEST}"
        args: [--path.procfs=/host/proc, --path.sysfs=/host/sys, --path.rootfs=/host/root]
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
        ports: [{name: metrics, containerPort: 9100, hostPort: 9100}]
        livenessProbe: {httpGet: {path: /, port: 9100}}
        readinessProbe: {httpGet: {path: /, port: 9100}}
        resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
        volumeMounts:
        - {name: proc, mountPath: /host/proc, readOnly: true}
        - {name: sys, mountPath: /host/sys, readOnly: true}
        - {name: root, mountPath: /host/root, readOnly: true, mountPropagation: HostToContainer}
      volumes:
      - {name: proc, hostPath: {path: /proc}}
      - {name: sys, hostPath: {path: /sys}}
      - {name: root, hostPath: {path: /}}
`,
  'templates/serviceaccount.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: {name: {{ .Release.Name }}-node-exporter, namespace: {{ .Release.Namespace }}}
automountServiceAccountToken: false
`,
};

/** A well-kept application chart: restricted security context, resources, probes, a digest, default-deny. */
const HARDENED = {
  'Chart.yaml': chartYaml('storefront'),
  'values.yaml': 'replicas: 2\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}-storefront, namespace: {{ .Release.Namespace }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec:
      serviceAccountName: {{ .Release.Name }}-storefront
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: storefront
        image: "ghcr.io/acme/storefront:2.4.1@${DIGEST}"
        ports: [{name: http, containerPort: 8080}]
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi, ephemeral-storage: 512Mi}}
        livenessProbe: {httpGet: {path: /livez, port: http}}
        readinessProbe: {httpGet: {path: /readyz, port: http}}
        volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {sizeLimit: 64Mi}}]
`,
  'templates/serviceaccount.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: {name: {{ .Release.Name }}-storefront, namespace: {{ .Release.Namespace }}}
automountServiceAccountToken: false
`,
  'templates/networkpolicy.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: {{ .Release.Name }}-default-deny, namespace: {{ .Release.Namespace }}}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: {{ .Release.Name }}-storefront, namespace: {{ .Release.Namespace }}}
spec:
  podSelector: {matchLabels: {app: storefront}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}}], ports: [{port: 8080}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]
`,
};

async function scan(chart: string, ...flags: string[]): Promise<{ code: number | null; findings: JsonFinding[] }> {
  const result = await runCli(['scan', chart, '-n', 'monitoring', '--release', 'metrics', '--format', 'json', '--no-config', ...flags]);
  expect(result.stderr).toBe('');
  return { code: result.code, findings: JSON.parse(result.stdout).findings };
}

describe('a host-namespace exporter (issue 15: prometheus-node-exporter\'s shape)', () => {
  it('is high for the node root mount with host namespaces, and nothing else is', async () => {
    const { code, findings } = await scan(writeTree(NODE_EXPORTER));
    expect(code).toBe(1);
    // Naming its rootfs (`--path.rootfs=/host/root`) is not reading the pods' tokens under it, and the node's `/` is
    // node-root-access's finding: container-holds-powerful-token adds nothing (it did, critical, before issue 15 §5).
    const high = findings.filter((finding) => finding.severity === 'high' || finding.severity === 'critical');
    expect(high.map((finding) => `${finding.severity} ${finding.ruleId}`)).toEqual(['high node-root-access']);
    expect(high[0].message).toBe('shares the node\'s PID and network namespaces and mounts the node\'s / (volume "root", read-only in container "node-exporter" at /host/root): the node is one chroot away');
    const byRule = (id: string) => findings.filter((finding) => finding.ruleId === id).map((finding) => finding.severity);
    expect(byRule('host-namespaces')).toEqual(['medium']);
    expect(byRule('host-port')).toEqual(['medium']);
    // Read-only mounts of /proc, /sys and /: low each.
    expect(byRule('host-path-volume')).toEqual(['low', 'low', 'low']);
    expect(byRule('container-runtime-socket')).toEqual([]);
  });

  it('is no longer high once the reason is recorded in a suppression, which stays in the report', async () => {
    const reason = 'node-exporter reads the node filesystem for metrics';
    const { findings } = await scan(writeTree(NODE_EXPORTER), '--set-string', `daemonsetAnnotations.kubeward\\.io/ignore=node-root-access; ${reason}`);
    const blocking = findings.filter((finding) => !finding.suppressed && ['critical', 'high'].includes(finding.severity));
    expect(blocking).toEqual([]);
    const suppressed = findings.filter((finding) => finding.suppressed);
    expect(suppressed.map((finding) => [finding.ruleId, finding.suppression?.reason])).toEqual([['node-root-access', reason]]);
  });
});

describe('a well-kept application chart', () => {
  it('passes the default --fail-on high, and even --fail-on medium', async () => {
    const tree = writeTree(HARDENED);
    const { code, findings } = await scan(tree, '--fail-on', 'medium');
    expect(findings.filter((finding) => ['critical', 'high', 'medium'].includes(finding.severity))).toEqual([]);
    expect(code).toBe(0);
    // Nothing the Pod Security Standards forbid, at either level.
    for (const level of ['baseline', 'restricted']) expect((await runCli(['pss', tree, '--level', level, '-n', 'monitoring'])).code).toBe(0);
  });
});
