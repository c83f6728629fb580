import { describe, expect, it } from 'vitest';
import { PodIndex } from '../../src/core/pods.js';
import type { KubeObject } from '../../src/core/object.js';
import { atOrAbove } from '../../src/core/severity.js';
import { inventoryFromText } from '../../src/load/sources.js';
import type { AuditEvent } from '../../src/detect/audit.js';
import { secretAccessOf } from '../../src/detect/context.js';
import { Detector, type DetectedAlert } from '../../src/detect/detector.js';
import { emptyDnsStats, parseDnsLine } from '../../src/detect/dns.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import { buildEngine } from '../../src/rbac/engine.js';

/**
 * Issue 8: severities that keep the battlecard's promise. The Secret sweep across namespaces within
 * seconds is critical, above all by a ServiceAccount created minutes before; a forbidden attempt is
 * seen although its event has no body; several attempts within minutes are privilege probing
 * (critical); DNS tunnelling is critical when the pod's ServiceAccount can read Secrets. And the
 * negative side: controllers and admins doing their job stay below high.
 */

const rules = loadKubewardRules(builtinDetectRuleFiles());
const T0 = Date.parse('2026-03-01T10:00:00Z');
let n = 0;

function ev(at: number, fields: Record<string, unknown>): AuditEvent {
  const raw = { kind: 'Event', auditID: `s${++n}`, stage: 'ResponseComplete', verb: 'get', user: { username: 'mallory', groups: ['system:authenticated'] }, sourceIPs: ['10.244.3.17'], responseStatus: { code: 200 }, annotations: { 'authorization.k8s.io/decision': 'allow' }, ...fields };
  const time = T0 + at;
  return { source: 'audit', raw, auditID: raw.auditID, stage: 'ResponseComplete', time, timeText: new Date(time).toISOString(), id: raw.auditID };
}

const sa = (namespace: string, name: string, pod?: string) => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  ...(pod ? { extra: { 'authentication.kubernetes.io/pod-name': [pod] } } : {}),
});
const AGENT = sa('tracing', 'agent', 'agent-7d4b9c-x2x9z');
const secretGet = (at: number, namespace: string, user: Record<string, unknown> = AGENT, code = 200) =>
  ev(at, { user, objectRef: { resource: 'secrets', namespace, name: `db-${namespace}` }, responseStatus: { code }, annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow' } });
const saCreated = (at: number, namespace: string, name: string) => ev(at, { verb: 'create', user: { username: 'alice@example.com', groups: ['system:authenticated'] }, objectRef: { resource: 'serviceaccounts', namespace, name }, responseStatus: { code: 201 } });

const pods = new PodIndex([
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'tracing', name: 'agent-7d4b9c-x2x9z', labels: { 'pod-template-hash': '7d4b9c' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'agent-7d4b9c', controller: true }] }, spec: { serviceAccountName: 'agent' }, status: { phase: 'Running', podIP: '10.244.3.17' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'web-1' }, spec: { serviceAccountName: 'web' }, status: { phase: 'Running', podIP: '10.244.1.10' } },
] as KubeObject[]);

function run(events: AuditEvent[], detector = new Detector({ rules, facts: { pods } })): DetectedAlert[] {
  return events.sort((a, b) => a.time - b.time).flatMap((event) => detector.process(event));
}
const byRule = (alerts: DetectedAlert[], rule: string) => alerts.filter(({ alert }) => alert.rule === rule);
const NAMESPACES = Array.from({ length: 30 }, (_, i) => `team-${i}`);

describe('the Secret sweep', () => {
  it('is critical: 30 namespaces within 5 seconds (the battlecard), allowed or forbidden', () => {
    const alerts = run(NAMESPACES.map((ns, i) => secretGet(i * 160, ns, AGENT, i % 3 === 0 ? 403 : 200)));
    const [sweep] = byRule(alerts, 'secrets-sweep-across-namespaces');
    expect(sweep.alert.priority).toBe('critical');
    expect(sweep.alertTime - T0).toBeLessThan(5000);
  });

  it('is high, not critical, when the namespaces come over minutes and the account is not new', () => {
    const alerts = run(NAMESPACES.slice(0, 6).map((ns, i) => secretGet(i * 15_000, ns)));
    expect(byRule(alerts, 'secrets-sweep-across-namespaces')).toEqual([]);
    expect(byRule(alerts, 'secrets-read-across-namespaces').map(({ alert }) => alert.priority)).toEqual(['high']);
  });

  it('is critical when the reader is a ServiceAccount created minutes before', () => {
    const alerts = run([saCreated(0, 'tracing', 'agent'), ...NAMESPACES.slice(0, 6).map((ns, i) => secretGet(120_000 + i * 15_000, ns))]);
    const [read] = byRule(alerts, 'secrets-read-across-namespaces');
    expect(read.alert.priority).toBe('critical');
    expect(read.alert.summary).toContain('a ServiceAccount created minutes before');
  });

  it('names the pods running as the account, the source IPs and the Secrets to rotate', () => {
    const [sweep] = byRule(run(NAMESPACES.slice(0, 10).map((ns, i) => secretGet(i * 100, ns))), 'secrets-sweep-across-namespaces');
    expect(sweep.alert.serviceAccount).toEqual({ namespace: 'tracing', name: 'agent', pods: [{ namespace: 'tracing', name: 'agent-7d4b9c-x2x9z', workload: 'Deployment/agent' }] });
    expect(sweep.alert.pod).toMatchObject({ namespace: 'tracing', name: 'agent-7d4b9c-x2x9z', workload: 'Deployment/agent' });
    expect(sweep.alert.sourceIPs).toEqual(['10.244.3.17']);
    expect(sweep.alert.objects).toEqual(NAMESPACES.slice(0, 10).map((ns) => `secrets ${ns}/db-${ns}`));
    expect(sweep.alert.respond).toMatch(/rotate every Secret/);
    expect(sweep.alert.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['kube-controller-manager', { username: 'system:kube-controller-manager', groups: ['system:authenticated'] }],
    ['a kubelet', { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] }],
    ['cert-manager', sa('cert-manager', 'cert-manager')],
    ['the namespace controller', sa('kube-system', 'namespace-controller')],
  ])('stays below high for %s reading Secrets everywhere', (_name, user) => {
    const events = [...NAMESPACES.map((ns, i) => secretGet(i * 100, ns, user)), ev(5000, { user, verb: 'list', objectRef: { resource: 'secrets' } }), ev(5100, { user, verb: 'watch', objectRef: { resource: 'secrets' } })];
    expect(run(events).filter(({ alert }) => atOrAbove(alert.priority, 'high'))).toEqual([]);
  });
});

describe('privilege-escalation attempts', () => {
  const forbiddenBinding = (at: number, user: Record<string, unknown> = AGENT) =>
    ev(at, { user, verb: 'create', requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', objectRef: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io' }, responseStatus: { code: 403, reason: 'Forbidden' }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });

  it('sees a forbidden ClusterRoleBinding creation, which has no body', () => {
    const event = forbiddenBinding(0);
    expect(event.raw.requestObject).toBeUndefined();
    const [alert] = byRule(run([event]), 'privilege-escalation-attempt');
    expect(alert.alert).toMatchObject({ priority: 'high', principal: AGENT.username });
    expect(alert.alert.summary).toContain('attempted binding-change');
    expect(alert.alert.summary).toContain('code=403');
  });

  it('calls several attempts by one principal within minutes privilege probing (critical)', () => {
    const events = [
      forbiddenBinding(0),
      ev(20_000, { user: AGENT, verb: 'get', objectRef: { resource: 'clusterroles', name: 'cluster-admin' }, responseStatus: { code: 403 } }),
      ev(40_000, { user: AGENT, verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'admin', subresource: 'token' }, responseStatus: { code: 403 } }),
    ];
    const [probe] = byRule(run(events), 'privilege-probing');
    expect(probe.alert.priority).toBe('critical');
    expect(probe.alert.evidence).toEqual(events.map((e) => e.id));
    expect(probe.alert.serviceAccount?.pods.map((p) => p.name)).toEqual(['agent-7d4b9c-x2x9z']);
  });

  it('is not probing when the attempts are spread over more than the window', () => {
    expect(byRule(run([forbiddenBinding(0), forbiddenBinding(200_000), forbiddenBinding(400_000)]), 'privilege-probing')).toEqual([]);
  });

  it('is not probing when a person installs a chart with several bindings (allowed)', () => {
    const alice = { username: 'alice@example.com', groups: ['system:authenticated'] };
    const events = ['a', 'b', 'c', 'd'].map((name, i) => ev(i * 100, { user: alice, verb: 'create', objectRef: { resource: 'rolebindings', namespace: 'shop', name }, responseStatus: { code: 201 } }));
    const alerts = run(events);
    expect(byRule(alerts, 'privilege-probing')).toEqual([]);
    // one high alert, the rest held back by the throttle
    expect(byRule(alerts, 'privilege-escalation-attempt')).toHaveLength(1);
  });

  it("keeps an admin's allowed ClusterRoleBinding creation below high", () => {
    const admin = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
    const binding = ev(0, {
      user: admin,
      verb: 'create',
      objectRef: { resource: 'clusterrolebindings', name: 'ops', apiGroup: 'rbac.authorization.k8s.io' },
      responseStatus: { code: 201 },
      requestObject: { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'ops' }] },
    });
    expect(run([binding]).filter(({ alert }) => atOrAbove(alert.priority, 'high'))).toEqual([]);
  });
});

describe('DNS tunnelling', () => {
  const chunk = (i: number) => `${i.toString(36).padStart(4, '0')}-mfrggzdfmztwq2lknnwg23tpobyxe43u`;
  function tunnel(detector: Detector, from = '10.244.3.17', at = 60_000): DetectedAlert[] {
    const context = { pods, clusterDomain: 'cluster.local', searchDomains: [], fallbackTime: 0 };
    const stats = emptyDnsStats();
    const out: DetectedAlert[] = [];
    for (let i = 0; i < 40; i++) {
      const time = new Date(T0 + at + i * 500).toISOString();
      const event = parseDnsLine(`${time} [INFO] ${from}:5353 - ${i} "A IN ${chunk(i)}.${i}.s7k2.exfil.test. udp 40 false 512" NXDOMAIN qr,rd,ra 80 0.001s`, `coredns.log:${i + 1}`, context, stats)!;
      out.push(...detector.process(event));
    }
    return out;
  }
  const dnsRules = ['dns-long-random-labels', 'dns-many-unique-subdomains'];
  const priorities = (alerts: DetectedAlert[]) => alerts.filter(({ alert }) => dnsRules.includes(alert.rule)).map(({ alert }) => alert.priority);

  it('is high from a pod whose ServiceAccount is not known to read Secrets', () => {
    expect(priorities(tunnel(new Detector({ rules, facts: { pods } })))).toEqual(['high', 'high']);
  });

  it('is critical when the audit log showed the ServiceAccount reading a Secret', () => {
    const detector = new Detector({ rules, facts: { pods } });
    run([secretGet(0, 'tracing')], detector);
    expect(priorities(tunnel(detector))).toEqual(['critical', 'critical']);
  });

  it('is critical when the audit log showed a binding that lets the ServiceAccount read Secrets', () => {
    const detector = new Detector({ rules, facts: { pods } });
    const alice = { username: 'alice@example.com', groups: ['system:authenticated'] };
    run([ev(0, { user: alice, verb: 'create', objectRef: { resource: 'rolebindings', namespace: 'tracing', name: 'r' }, responseStatus: { code: 201 }, requestObject: { kind: 'RoleBinding', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'tracing' }] } })], detector);
    const alerts = tunnel(detector);
    expect(priorities(alerts)).toEqual(['critical', 'critical']);
    expect(alerts[0].alert.summary).toContain('can read Secrets (audit-binding)');
  });

  it('is critical when the RBAC of --cluster lets the ServiceAccount read Secrets', () => {
    const cluster = inventoryFromText(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: agent, namespace: tracing}]
`,
      'cluster.yaml',
    );
    const secrets = secretAccessOf(buildEngine(cluster.inventory));
    expect(secrets.secretNamespaces('tracing', 'agent')).toEqual(['*']);
    expect(secrets.secretNamespaces('shop', 'web')).toEqual([]);
    expect(priorities(tunnel(new Detector({ rules, facts: { pods, secrets } })))).toEqual(['critical', 'critical']);
    // the same tunnel from a pod whose account cannot read Secrets stays high
    expect(priorities(tunnel(new Detector({ rules, facts: { pods, secrets } }), '10.244.1.10'))).toEqual(['high', 'high']);
  });

  it('names the pod, its workload, its namespace and its ServiceAccount', () => {
    const [alert] = tunnel(new Detector({ rules, facts: { pods } })).map((d) => d.alert);
    expect(alert.pod).toEqual({ namespace: 'tracing', name: 'agent-7d4b9c-x2x9z', workload: 'Deployment/agent', serviceAccount: 'agent' });
    expect(alert.serviceAccount).toEqual({ namespace: 'tracing', name: 'agent', pods: [{ namespace: 'tracing', name: 'agent-7d4b9c-x2x9z', workload: 'Deployment/agent' }] });
    expect(alert.domains).toEqual(['exfil.test']);
    expect(alert.respond).toContain('kubectl -n tracing scale Deployment/agent --replicas=0');
  });
});
