import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/detect/audit.js';
import { Detector } from '../../src/detect/detector.js';
import { emptyDnsStats, parseDnsLine } from '../../src/detect/dns.js';
import { PodIndex } from '../../src/core/pods.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';

const rules = loadKubewardRules(builtinDetectRuleFiles());

let n = 0;
function ev(fields: Record<string, unknown>): AuditEvent {
  const raw = { kind: 'Event', auditID: `b${++n}`, stage: 'ResponseComplete', verb: 'get', user: { username: 'mallory', groups: ['system:authenticated'] }, responseStatus: { code: 200 }, annotations: { 'authorization.k8s.io/decision': 'allow' }, ...fields };
  const time = Date.parse('2026-03-01T10:00:00Z') + n;
  return { source: 'audit', raw, auditID: raw.auditID, stage: String(raw.stage), time, timeText: new Date(time).toISOString(), id: raw.auditID };
}
const binding = (role: string, extra: Record<string, unknown> = {}) => ev({ verb: 'create', objectRef: { resource: 'clusterrolebindings', name: 'b', apiGroup: 'rbac.authorization.k8s.io' }, responseStatus: { code: 201 }, requestObject: { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: 'x' }] }, ...extra });
const pod = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ev({ verb: 'create', objectRef: { resource: 'pods', namespace: 'default' }, responseStatus: { code: 201 }, requestObject: { kind: 'Pod', spec }, ...extra });
const controller = { username: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller', groups: [] };
const kubelet = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function fired(events: AuditEvent[]): string[] {
  const detector = new Detector({ rules });
  return [...new Set(events.flatMap((e) => detector.process(e)).map((d) => d.alert.rule))];
}

/** Each built-in audit rule with an event that must raise it and one, close to it, that must not. */
describe.each([
  ['rbac-binding-grants-powerful-role', [binding('edit')], [binding('view'), binding('edit', { user: controller })]],
  [
    'privilege-escalation-attempt',
    [
      // forbidden: no body, the role is unknown, the attempt is what counts
      ev({ verb: 'create', objectRef: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io' }, responseStatus: { code: 403, reason: 'Forbidden' }, annotations: { 'authorization.k8s.io/decision': 'forbid' } }),
      binding('view'),
      ev({ verb: 'patch', objectRef: { resource: 'rolebindings', namespace: 'apps', name: 'edit' } }),
      ev({ verb: 'update', objectRef: { resource: 'clusterroles', name: 'view' } }),
      ev({ verb: 'bind', objectRef: { resource: 'clusterroles', name: 'cluster-admin' } }),
      ev({ verb: 'get', objectRef: { resource: 'clusterroles', name: 'cluster-admin' } }),
      ev({ verb: 'list', objectRef: { resource: 'pods', namespace: 'a' }, impersonatedUser: { username: 'system:admin', groups: ['system:masters'] } }),
      ev({ verb: 'list', objectRef: { resource: 'pods', namespace: 'a' }, responseStatus: { code: 403, message: 'users "system:admin" is forbidden: User "mallory" cannot impersonate resource "users" in API group "" at the cluster scope' } }),
      ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'admin', subresource: 'token' } }),
      ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'apps', name: 'deployer', subresource: 'token' }, user: { username: 'system:serviceaccount:apps:web' } }),
    ],
    [
      binding('cluster-admin', { user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } }),
      binding('edit', { user: controller }),
      binding('edit', { user: { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: [] } }),
      ev({ verb: 'get', objectRef: { resource: 'clusterroles', name: 'view' } }),
      ev({ verb: 'get', objectRef: { resource: 'clusterrolebindings', name: 'x' } }),
      ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'kube-proxy', subresource: 'token' }, user: kubelet }),
      ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'apps', name: 'web', subresource: 'token' }, user: { username: 'system:serviceaccount:apps:web' } }),
    ],
  ],
  ['secrets-listed-cluster-wide', [ev({ verb: 'list', objectRef: { resource: 'secrets' } })], [ev({ verb: 'list', objectRef: { resource: 'secrets', namespace: 'a' } }), ev({ verb: 'list', requestURI: '/api/v1/secrets?labelSelector=owner%3Dhelm', objectRef: { resource: 'secrets' } }), ev({ verb: 'watch', objectRef: { resource: 'secrets' }, user: { username: 'system:kube-controller-manager' } })]],
  ['serviceaccount-reads-other-namespace-secrets', [ev({ user: { username: 'system:serviceaccount:apps:web' }, objectRef: { resource: 'secrets', namespace: 'db', name: 'root' } })], [ev({ user: { username: 'system:serviceaccount:apps:web' }, objectRef: { resource: 'secrets', namespace: 'apps', name: 'own' } })]],
  ['pod-exec-or-attach', [ev({ verb: 'get', stage: 'ResponseStarted', responseStatus: { code: 101 }, objectRef: { resource: 'pods', namespace: 'a', name: 'p', subresource: 'exec' } })], [ev({ verb: 'get', objectRef: { resource: 'pods', namespace: 'a', name: 'p', subresource: 'log' } })]],
  ['privileged-or-host-pod-created', [pod({ containers: [{ image: 'evil/agent:1' }], initContainers: [{ image: 'evil/init', securityContext: { privileged: true } }] }), pod({ containers: [{ image: 'x' }], volumes: [{ name: 'c', configMap: { name: 'c' } }, { name: 'h', hostPath: { path: '/var/run/docker.sock' } }] }), pod({ hostPID: true, containers: [{ image: 'x' }] })], [pod({ containers: [{ image: 'x' }], volumes: [{ name: 'c', emptyDir: {} }] }), pod({ hostNetwork: true, containers: [{ image: 'registry.k8s.io/kube-proxy:v1.31.0', securityContext: { privileged: true } }] })]],
  ['admission-webhook-configuration-changed', [ev({ verb: 'patch', objectRef: { resource: 'mutatingwebhookconfigurations', name: 'w', apiGroup: 'admissionregistration.k8s.io' } })], [ev({ verb: 'patch', objectRef: { resource: 'mutatingwebhookconfigurations', name: 'w' }, user: { username: 'system:serviceaccount:cert-manager:cert-manager-cainjector' } }), ev({ verb: 'get', objectRef: { resource: 'validatingwebhookconfigurations', name: 'w' } })]],
  ['anonymous-request-allowed', [ev({ user: { username: 'system:anonymous' }, requestURI: '/api/v1/namespaces' })], [ev({ user: { username: 'system:anonymous' }, requestURI: '/healthz?verbose' }), ev({ user: { username: 'system:anonymous' }, requestURI: '/api/v1/namespaces', annotations: { 'authorization.k8s.io/decision': 'forbid' } })]],
] as const)('%s', (rule, positives, negatives) => {
  it.each(positives.map((event, i) => [i, event] as const))('fires on example %i', (_i, event) => {
    expect(fired([event])).toContain(rule);
  });
  it.each(negatives.map((event, i) => [i, event] as const))('stays quiet on near miss %i', (_i, event) => {
    expect(fired([event])).not.toContain(rule);
  });
});

describe('built-in detection rules', () => {
  it('load without warnings', () => {
    expect(rules.warnings).toEqual([]);
    expect(rules.rules).toHaveLength(21);
  });

  it('learn what a role grants from the log before judging a binding to it', () => {
    const role = ev({ verb: 'create', objectRef: { resource: 'clusterroles', name: 'reader', apiGroup: 'rbac.authorization.k8s.io' }, responseStatus: { code: 201 }, requestObject: { kind: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] } });
    expect(fired([binding('reader')])).not.toContain('rbac-binding-grants-powerful-role');
    expect(fired([role, binding('reader')])).toContain('rbac-binding-grants-powerful-role');
  });
});

describe('built-in DNS rules', () => {
  const run = (count: number, type: string, name: (i: number) => string, options: { flags?: string; internalZones?: string[] } = {}) => {
    const detector = new Detector({ rules });
    const pods = new PodIndex([{ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'apps', name: 'web' }, spec: {}, status: { phase: 'Running', podIP: '10.1.1.1' } }]);
    const context = { pods, clusterDomain: 'cluster.local', searchDomains: [], fallbackTime: 0, internalZones: options.internalZones };
    const stats = emptyDnsStats();
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = parseDnsLine(`2026-03-01T10:00:${String(i % 60).padStart(2, '0')}Z [INFO] 10.1.1.1:5353 - ${i} "${type} IN ${name(i)}. udp 40 false 512" NOERROR ${options.flags ?? 'qr,rd,ra'} 80 0.001s`, `d:${i + 1}`, context, stats)!;
      out.push(...detector.process(event).map((d) => d.alert.rule));
    }
    return out;
  };
  it.each([
    ['30 TXT queries to one domain in a minute', 30, 'TXT', (i: number) => `t${i % 3}.tunnel.net`, 'dns-txt-null-burst', true],
    ['29 are not a burst', 29, 'TXT', (i: number) => `t${i % 3}.tunnel.net`, 'dns-txt-null-burst', false],
    ['30 A queries are not TXT', 30, 'A', (i: number) => `t${i % 3}.tunnel.net`, 'dns-txt-null-burst', false],
    ['30 distinct subdomains', 30, 'A', (i: number) => `host-${i}.example.org`, 'dns-many-unique-subdomains', true],
    ['30 distinct subdomains of an allow-listed domain', 30, 'A', (i: number) => `host-${i}.s3.amazonaws.com`, 'dns-many-unique-subdomains', false],
    ['long words are not random labels', 10, 'A', () => `thisisaverylonghostnamelabel.example.org`, 'dns-long-random-labels', false],
  ])('%s', (_name, count, type, name, rule, expected) => {
    expect(run(count, type, name).includes(rule)).toBe(expected);
  });

  /** Issue 8: the same tunnel fires whatever TLD the attacker chose, and stays quiet where it stays inside. */
  const chunk = (i: number) => `${i.toString(36).padStart(4, '0')}-mfrggzdfmztwq2lknnwg23tpobyxe43u`;
  it.each([
    ['a reserved TLD', 'exfil.test'],
    ['a private TLD', 'collector.corp'],
    ['a made-up gTLD', 'collector.zzexfilnet'],
    ['a public TLD', 'exfil-collector.com'],
  ])('DNS tunnelling to a domain under %s raises the DNS rules', (_name, domain) => {
    const fired = run(40, 'A', (i) => `${chunk(i)}.${i}.s7k2.${domain}`);
    expect(fired).toContain('dns-long-random-labels');
    expect(fired).toContain('dns-many-unique-subdomains');
    expect(run(40, 'TXT', (i) => `t${i}.${domain}`)).toContain('dns-txt-null-burst');
  });

  it.each([
    ['under the cluster domain', (i: number) => `${chunk(i)}.apps.svc.cluster.local`, {}],
    ['under an --internal-zone', (i: number) => `${chunk(i)}.${i}.ci.corp.example`, { internalZones: ['corp.example'] }],
    ['answered by CoreDNS from a zone it serves', (i: number) => `${chunk(i)}.${i}.hosts.example`, { flags: 'qr,aa,rd' }],
    ['of an allow-listed domain', (i: number) => `${chunk(i)}.${i}.s3.amazonaws.com`, {}],
  ])('stays quiet on random names %s', (_name, name, options) => {
    expect(run(40, 'A', name, options)).toEqual([]);
  });
});
