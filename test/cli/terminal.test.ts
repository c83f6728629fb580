import { describe, it } from 'vitest';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

/**
 * Names that try to take over the terminal: a carriage return and ANSI "erase line, cursor up"
 * (the chart hides its own HIGH finding), a bidi override, and a newline that forges a line. Every
 * human format prints them as visible escapes; nothing raw reaches the terminal.
 */
const EVIL = 'helper\\r\\e[2K\\e[1A\\u202enoisses\\nNo findings';
const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: "web${EVIL}", namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: "agent${EVIL}"
      containers:
      - name: "${EVIL}"
        image: nginx:1.27
        securityContext: {privileged: true}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: "agent${EVIL}", namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "read${EVIL}"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: "agent${EVIL}", namespace: shop}]
---
just: "a document that is not an object${EVIL}"
`;

const auditLine = JSON.stringify({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/secrets',
  verb: 'list',
  user: { username: 'system:serviceaccount:shop:agent\r\u001b[2K\u001b[1Aok\nfake', groups: ['system:serviceaccounts'] },
  objectRef: { resource: 'secrets', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
  stageTimestamp: '2026-03-01T10:00:00.100000Z',
});

const tree = writeTree({ 'm.yaml': manifests, 'audit.log': `${auditLine}\n` });

/** Raw control characters: C0 (except the newlines that end lines), DEL, C1, bidi controls. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe.concurrent('no raw control character reaches the terminal', () => {
  it.for([
    ['scan table', ['scan', 'm.yaml']],
    ['scan markdown', ['scan', 'm.yaml', '--format', 'markdown']],
    ['rbac who-can', ['rbac', 'who-can', 'list', 'secrets', '-A', 'm.yaml']],
    ['rbac can', ['rbac', 'can', 'shop/agent\r\u001b[2K\u001b[1A\u202enoisses\nNo findings', 'list', 'secrets', 'm.yaml']],
    ['rbac risks', ['rbac', 'risks', 'm.yaml']],
    ['netpol connlist', ['netpol', 'connlist', 'm.yaml']],
    ['netpol connlist md', ['netpol', 'connlist', 'm.yaml', '--format', 'md']],
    ['netpol coverage', ['netpol', 'coverage', 'm.yaml']],
    ['detect table and summary', ['detect', '--audit-log', 'audit.log', '--format', 'table']],
  ] as [string, string[]][])('%s', async ([name, args], { expect }) => {
    const result = await runCli(args, { cwd: tree });
    expect(result.stdout + result.stderr).not.toMatch(RAW);
    // Every line of stderr is a kubeward line (a forged newline would start one that is not).
    for (const line of result.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^(kubeward: |audit: |  |dns: |alerts: |time to detect:|state: )/);
    // The names are there, as visible escapes.
    expect(result.stdout + result.stderr).toContain('\\x1b[2K\\x1b[1A');
  });
});
