/**
 * `kubeward drill kit`: a live-fire kit for a non-production cluster, as files. The attack's shape made
 * safe: a canary Secret holding a random marker (never a credential), a ServiceAccount that may get
 * that one Secret and nothing else, and a sidecar that reads it through the API server and resolves a
 * harmless name carrying the marker. With it: the audit policy and CoreDNS settings that make the
 * attack visible, and the commands to replay the cluster's logs into `kubeward detect` and score the
 * drill. Pure: the files' contents; the CLI writes them.
 */
import type { DrillScenario } from './scenario.js';

export interface KitInput {
  scenario: DrillScenario;
  namespace: string;
  /** The random marker (hex): in the canary Secret and in every name the sidecar resolves. */
  marker: string;
  /** The harmless domain the marker is resolved under. */
  domain: string;
  /** How many names the sidecar resolves (enough for the DNS rules' thresholds). */
  queries: number;
}

/** What the kit deploys, by name: the score and the tests read it back from kit.json. */
export interface KitManifest {
  kubeward: 'drill-kit';
  scenario: string;
  namespace: string;
  release: string;
  marker: string;
  domain: string;
  canarySecret: string;
  serviceAccount: string;
  workload: string;
  container: string;
}

export const KIT_NAMES = { release: 'kubeward-drill', canary: 'kubeward-drill-canary', account: 'kubeward-drill-agent', workload: 'kubeward-drill-agent', container: 'collector' } as const;

/** The sidecar image: curl to call the API server, busybox nslookup to resolve. */
const SIDECAR_IMAGE = 'docker.io/curlimages/curl:8.11.1';
const AGENT_IMAGE = 'docker.io/library/busybox:1.36.1';

/** A DNS name's allowed shape: the kit's domain is checked before it is written anywhere. */
export const DOMAIN_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;

export function kitManifest(input: KitInput): KitManifest {
  return {
    kubeward: 'drill-kit',
    scenario: input.scenario.name,
    namespace: input.namespace,
    release: KIT_NAMES.release,
    marker: input.marker,
    domain: input.domain,
    canarySecret: KIT_NAMES.canary,
    serviceAccount: KIT_NAMES.account,
    workload: `Deployment/${KIT_NAMES.workload}`,
    container: KIT_NAMES.container,
  };
}

/** The kit's files, by relative path. */
export function buildKit(input: KitInput): Map<string, string> {
  const files = new Map<string, string>();
  const manifest = kitManifest(input);
  files.set('kit.json', `${JSON.stringify(manifest, null, 2)}\n`);
  files.set('chart/Chart.yaml', chartYaml(input));
  files.set('chart/values.yaml', valuesYaml(input));
  files.set('chart/templates/canary.yaml', CANARY_TEMPLATE);
  files.set('chart/templates/rbac.yaml', RBAC_TEMPLATE);
  files.set('chart/templates/deployment.yaml', DEPLOYMENT_TEMPLATE);
  files.set('audit-policy.yaml', AUDIT_POLICY);
  files.set('coredns-log.md', COREDNS_LOG);
  files.set('README.md', readme(input, manifest));
  return files;
}

function chartYaml(input: KitInput): string {
  return `apiVersion: v2
name: kubeward-drill
description: "kubeward drill live-fire kit for ${input.scenario.name}: reads only its own canary Secret and resolves only names under ${input.domain}. For non-production clusters."
type: application
version: 0.1.0
appVersion: "drill"
`;
}

function valuesYaml(input: KitInput): string {
  return `# The live-fire kit's settings, written by kubeward drill kit. Nothing here is a credential.
marker: "${input.marker}"
domain: "${input.domain}"
queries: ${input.queries}
# Seconds the sidecar waits before it reads the canary (the "read-secrets" step) and before it resolves.
readAfter: ${Math.round((input.scenario.steps.find((step) => step.id === 'read-secrets')?.at ?? 30_000) / 1000)}
resolveAfter: ${Math.round(((input.scenario.steps.find((step) => step.id === 'exfiltrate')?.at ?? 45_000) - (input.scenario.steps.find((step) => step.id === 'read-secrets')?.at ?? 30_000)) / 1000)}
images:
  agent: ${AGENT_IMAGE}
  sidecar: ${SIDECAR_IMAGE}
`;
}

const LABELS = `    app.kubernetes.io/name: kubeward-drill
    app.kubernetes.io/instance: {{ .Release.Name }}
    kubeward.io/drill: live-fire`;

const CANARY_TEMPLATE = `# The canary: a random marker, never a real credential. The only Secret the kit's account may read.
apiVersion: v1
kind: Secret
metadata:
  name: ${KIT_NAMES.canary}
  labels:
${LABELS}
type: Opaque
stringData:
  marker: {{ .Values.marker | quote }}
`;

const RBAC_TEMPLATE = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${KIT_NAMES.account}
  labels:
${LABELS}
---
# get on the canary alone: no list, no watch, no other Secret, no other namespace.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${KIT_NAMES.account}
  labels:
${LABELS}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["${KIT_NAMES.canary}"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${KIT_NAMES.account}
  labels:
${LABELS}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${KIT_NAMES.account}
subjects:
  - kind: ServiceAccount
    name: ${KIT_NAMES.account}
    namespace: {{ .Release.Namespace }}
`;

const SECURITY_CONTEXT = `          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
          resources:
            requests: {cpu: 5m, memory: 16Mi}
            limits: {memory: 32Mi}`;

/**
 * The sidecar: one GET of the canary through the API server (the token's own namespace, from the
 * mounted files), then `queries` lookups of q<i>.<marker>.<domain>. Nothing else is read or resolved.
 */
const DEPLOYMENT_TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${KIT_NAMES.workload}
  labels:
${LABELS}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kubeward-drill
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kubeward-drill
        kubeward.io/drill: live-fire
    spec:
      serviceAccountName: ${KIT_NAMES.account}
      containers:
        - name: agent
          image: {{ .Values.images.agent }}
          command: ["/bin/sh", "-c"]
          args:
            - 'echo "kubeward drill: the tracing agent would listen for spans"; exec sleep 86400'
${SECURITY_CONTEXT}
        - name: ${KIT_NAMES.container}
          image: {{ .Values.images.sidecar }}
          env:
            - {name: MARKER, value: {{ .Values.marker | quote }}}
            - {name: DOMAIN, value: {{ .Values.domain | quote }}}
            - {name: QUERIES, value: {{ .Values.queries | quote }}}
            - {name: READ_AFTER, value: {{ .Values.readAfter | quote }}}
            - {name: RESOLVE_AFTER, value: {{ .Values.resolveAfter | quote }}}
          command: ["/bin/sh", "-c"]
          args:
            - |
              sa=/var/run/secrets/kubernetes.io/serviceaccount
              sleep "$READ_AFTER"
              echo "kubeward drill: reading the canary Secret ${KIT_NAMES.canary}"
              curl -sS -o /dev/null -w "kubeward drill: GET canary: %{http_code}\\n" --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat $sa/token)" "https://kubernetes.default.svc/api/v1/namespaces/$(cat $sa/namespace)/secrets/${KIT_NAMES.canary}"
              sleep "$RESOLVE_AFTER"
              i=1
              while [ "$i" -le "$QUERIES" ]; do
                nslookup "q$i.$MARKER.$DOMAIN" >/dev/null 2>&1 || true
                i=$((i + 1))
                sleep 1
              done
              echo "kubeward drill: resolved $QUERIES names under $MARKER.$DOMAIN; idle until removed"
              exec sleep 86400
${SECURITY_CONTEXT}
`;

/**
 * The audit policy the drill needs: RBAC objects in full (the detector reads the role a binding
 * grants), Secrets at Metadata only (never their values), pods' exec and tokens at Metadata, the
 * rest at Metadata, RequestReceived omitted. Mirrors docs/detect.md's recommendation.
 */
const AUDIT_POLICY = `# kube-apiserver --audit-policy-file=audit-policy.yaml --audit-log-path=/var/log/kubernetes/audit.log
# (kind: extraMounts + kubeadmConfigPatches; kubeadm: apiServer.extraArgs). Secrets are logged at
# Metadata only: their values never reach the log.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
  - level: RequestResponse
    resources:
      - group: rbac.authorization.k8s.io
        resources: ["clusterroles", "clusterrolebindings", "roles", "rolebindings"]
  - level: Request
    verbs: ["create", "update", "patch"]
    resources:
      - group: ""
        resources: ["pods", "serviceaccounts"]
      - group: apps
      - group: batch
      - group: admissionregistration.k8s.io
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
  - level: Metadata
`;

const COREDNS_LOG = `# CoreDNS query log for kubeward drill

CoreDNS logs queries only with the \`log\` plugin. Add it to the server block of the \`coredns\` ConfigMap:

\`\`\`sh
kubectl -n kube-system get configmap coredns -o yaml > coredns-backup.yaml
kubectl -n kube-system edit configmap coredns      # add a line "log" inside ".:53 { ... }"
kubectl -n kube-system rollout restart deployment coredns
\`\`\`

\`\`\`
.:53 {
    errors
    log
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }
    forward . /etc/resolv.conf
    cache 30
}
\`\`\`

The lines look like \`[INFO] 10.244.3.17:41234 - 3187 "A IN q1.<marker>.<domain>. udp 60 false 512" NXDOMAIN qr,rd,ra 120 0.000219s\`;
\`kubeward detect --dns-log\` reads them (and the same lines from \`kubectl logs\`, with or without timestamps).
Restore the backup after the drill if the log is too noisy to keep.
`;

function readme(input: KitInput, manifest: KitManifest): string {
  const ns = input.namespace;
  return `# Live-fire kit: ${input.scenario.title}

For a **non-production** cluster. The kit has the attack's shape and none of its harm: a ServiceAccount
that may \`get\` one Secret (\`${manifest.canarySecret}\`, holding the random marker \`${input.marker}\`,
never a credential) and a sidecar that reads it through the API server, then resolves ${input.queries} names
\`q<N>.${input.marker}.${input.domain}\` (a harmless domain: nothing answers for it). The blue team's task:
notice, name the pod and the ServiceAccount, and contain it.

## Before: make the attack visible

1. API server audit log with \`audit-policy.yaml\` (Secrets at Metadata: values are never logged).
2. CoreDNS query log: \`coredns-log.md\`.

## Red team: run it

\`\`\`sh
date -u +%Y-%m-%dT%H:%M:%SZ > started.txt      # the drill starts now
helm install ${manifest.release} ./chart -n ${ns} --create-namespace
\`\`\`

## Blue team: detect and remediate

Use your usual dashboards and alerts. Write down when you first named the pod and the ServiceAccount, and when
the leak was contained (\`date -u +%Y-%m-%dT%H:%M:%SZ > remediated.txt\`).

## Afterwards: replay the logs and score

\`\`\`sh
kubectl get pods -A -o json > pods.json
kubectl -n kube-system logs -l k8s-app=kube-dns --since=2h --timestamps > coredns.log
cp /var/log/kubernetes/audit.log audit.log        # from the control-plane node (kind: docker cp)
kubeward detect --audit-log audit.log --dns-log coredns.log --pods pods.json --format json > alerts.jsonl
kubeward drill score --alerts alerts.jsonl --started "$(cat started.txt)" --remediated "$(cat remediated.txt)" --kit . > post-mortem.md
helm uninstall ${manifest.release} -n ${ns}
\`\`\`

\`drill score\` gives the time to detect and to remediate, whether the alerts named the pod and the
ServiceAccount, and a post-mortem template pre-filled with the timeline. Add \`--survey survey.yaml\`
(\`confidence: [4, 3, 5]\`, 1 to 5) for the developer-confidence average.
`;
}
