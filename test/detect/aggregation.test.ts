/**
 * clusterrole-aggregates-sensitive-rules: a ClusterRole that hides a grant in an aggregated role
 * (the drill's trojan-chart-aggregation). No binding changes, so only the role write can tell.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/detect/audit.js';
import { Detector } from '../../src/detect/detector.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import { secretAccessOf } from '../../src/detect/context.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { runCli } from '../helpers/cli.js';

const RULE = 'clusterrole-aggregates-sensitive-rules';
const rules = loadKubewardRules(builtinDetectRuleFiles());
const VIEW = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };
const EDIT = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' };
const ADMIN = { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };
const SECRETS = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] };
const WIDGETS = { apiGroups: ['widgets.example.com'], resources: ['widgets', 'widgets/status'], verbs: ['get', 'list', 'watch'] };

const developer = { username: 'developer@checkout.example', groups: ['checkout-developers', 'system:authenticated'] };
const helmController = { username: 'system:serviceaccount:flux-system:helm-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:flux-system', 'system:authenticated'] };
const clusterAdmin = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

let n = 0;
function ev(fields: Record<string, unknown>): AuditEvent {
  const raw = { kind: 'Event', level: 'RequestResponse', auditID: `agg${++n}`, stage: 'ResponseComplete', user: developer, userAgent: 'helm/v3.16.2 (linux/amd64)', responseStatus: { code: 201 }, annotations: { 'authorization.k8s.io/decision': 'allow' }, ...fields };
  const time = Date.parse('2026-03-01T10:00:00Z') + n * 1000;
  return { source: 'audit', raw, auditID: raw.auditID, stage: String(raw.stage), time, timeText: new Date(time).toISOString(), id: raw.auditID };
}

const clusterRole = (name: string, labels: Record<string, string>, roleRules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: roleRules });
const ref = (name?: string) => ({ resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', ...(name ? { name } : {}) });
/** How the API server logs a create at RequestResponse: the body sent and the object stored. */
const create = (name: string, labels: Record<string, string>, roleRules: unknown[], extra: Record<string, unknown> = {}) =>
  ev({ verb: 'create', objectRef: ref(), requestObject: clusterRole(name, labels, roleRules), responseObject: clusterRole(name, labels, roleRules), ...extra });

function alerts(events: AuditEvent[]) {
  const detector = new Detector({ rules });
  return events.flatMap((event) => detector.process(event)).map((draft) => draft.alert).filter((alert) => alert.rule === RULE);
}

describe(RULE, () => {
  it('Secrets aggregated into view by a user is critical, and says where they go', () => {
    const [alert, ...more] = alerts([create('fast-trace-agent-view-extras', VIEW, [SECRETS])]);
    expect(more).toEqual([]);
    expect(alert.priority).toBe('critical');
    expect(alert.principal).toBe(developer.username);
    expect(alert.summary).toContain('aggregated into (view)');
    expect(alert.summary).toContain('rbac-read-secrets');
    expect(alert.respond).toContain('kubectl delete clusterrole');
  });

  it('a known controller installing a chart (Flux helm-controller) still alerts: a trojan arrives through GitOps too', () => {
    expect(alerts([create('x-view', VIEW, [SECRETS], { user: helmController, userAgent: 'helm-controller/v1.1.0' })]).map((a) => a.priority)).toEqual(['critical']);
  });

  it('a wildcard that reaches Secrets counts as Secrets; get alone on Secrets counts too', () => {
    expect(alerts([create('a', VIEW, [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }])]).map((a) => a.priority)).toEqual(['critical']);
    expect(alerts([create('b', VIEW, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])]).map((a) => a.priority)).toEqual(['critical']);
  });

  it.each([
    ['pods/exec into edit', EDIT, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }, 'rbac-pod-exec'],
    ['nodes/proxy into view', VIEW, { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }, 'rbac-nodes-proxy'],
    ['ServiceAccount tokens into view', VIEW, { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }, 'rbac-token-request'],
    ['escalate into edit', EDIT, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'update'] }, 'rbac-escalate'],
    ['impersonate into view', VIEW, { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }, 'rbac-impersonate'],
    // bind alone grants nothing; into admin, which already writes RoleBindings, it is the bind escalation
    ['bind into admin', ADMIN, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }, 'rbac-bind'],
    ['Secrets into edit', EDIT, SECRETS, 'rbac-read-secrets'],
  ])('%s is high', (_name, labels, rule, risk) => {
    const found = alerts([create('extras', labels, [rule])]);
    expect(found.map((a) => a.priority)).toEqual(['high']);
    expect(found[0].summary).toContain(risk);
  });

  it("a chart aggregating its own CRDs into view, edit and admin (verbs '*' included) stays quiet", () => {
    const events = [
      create('widgets-view', VIEW, [WIDGETS]),
      create('widgets-edit', EDIT, [{ apiGroups: ['widgets.example.com'], resources: ['widgets'], verbs: ['*'] }]),
      create('widgets-admin', ADMIN, [{ apiGroups: ['widgets.example.com'], resources: ['*'], verbs: ['*'] }]),
    ];
    expect(alerts(events)).toEqual([]);
  });

  it('bind into view, whose holders write no bindings, gains nothing and stays quiet (into admin it alerts, above)', () => {
    expect(alerts([create('binder', VIEW, [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }])])).toEqual([]);
  });

  it('stays quiet without an aggregation label, on a label set to false, for cluster admins and the API server', () => {
    expect(alerts([create('reader', {}, [SECRETS])])).toEqual([]);
    expect(alerts([create('reader', { 'rbac.authorization.k8s.io/aggregate-to-view': 'false' }, [SECRETS])])).toEqual([]);
    expect(alerts([create('reader', VIEW, [SECRETS], { user: clusterAdmin })])).toEqual([]);
    // the API server reconciles the bootstrap role that feeds edit (it reads Secrets) at every start
    expect(alerts([create('system:aggregate-to-edit', EDIT, [SECRETS], { user: { username: 'system:apiserver', groups: ['system:masters'] } })])).toEqual([]);
  });

  it('a forbidden write has no body: left to privilege-escalation-attempt', () => {
    const forbidden = ev({ verb: 'create', objectRef: ref(), responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });
    expect(alerts([forbidden])).toEqual([]);
  });

  describe('a patch that only adds the label', () => {
    const harmlessReader = () => create('reader', { app: 'fast-trace' }, [SECRETS]);
    const labelPatch = { metadata: { labels: VIEW } };

    it('judged on the stored object when the event carries it', () => {
      const patch = ev({ verb: 'patch', objectRef: ref('reader'), responseStatus: { code: 200 }, requestObject: labelPatch, responseObject: clusterRole('reader', { app: 'fast-trace', ...VIEW }, [SECRETS]) });
      expect(alerts([patch]).map((a) => a.priority)).toEqual(['critical']);
    });

    it('judged on the role as the log last showed it when only the patch is logged (merge and JSON patch)', () => {
      const merge = ev({ verb: 'patch', objectRef: ref('reader'), responseStatus: { code: 200 }, level: 'Request', requestObject: labelPatch });
      expect(alerts([harmlessReader(), merge]).map((a) => a.priority)).toEqual(['critical']);
      const json = ev({ verb: 'patch', objectRef: ref('reader'), responseStatus: { code: 200 }, level: 'Request', requestObject: [{ op: 'add', path: '/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-view', value: 'true' }] });
      expect(alerts([harmlessReader(), json]).map((a) => a.priority)).toEqual(['critical']);
      // the role was never seen: the patch alone carries no rules to judge
      expect(alerts([merge])).toEqual([]);
    });

    it('a patch that adds Secrets to a role already labelled alerts; labelling a harmless role does not', () => {
      const addRule = ev({ verb: 'patch', objectRef: ref('widgets-view'), responseStatus: { code: 200 }, level: 'Request', requestObject: [{ op: 'add', path: '/rules/-', value: SECRETS }] });
      expect(alerts([create('widgets-view', VIEW, [WIDGETS]), addRule]).map((a) => a.priority)).toEqual(['critical']);
      const label = ev({ verb: 'patch', objectRef: ref('widgets'), responseStatus: { code: 200 }, level: 'Request', requestObject: labelPatch });
      expect(alerts([create('widgets', {}, [WIDGETS]), label])).toEqual([]);
    });
  });

  it("with --cluster, a label that one of the cluster's aggregationRules selects counts", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-aggregation-'));
    const cluster = join(dir, 'cluster.yaml');
    writeFileSync(
      cluster,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring-reader}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {example.com/aggregate-to-monitoring: "true"}
rules: []
`,
    );
    const audit = join(dir, 'audit.log');
    const event = create('exporter-extras', { 'example.com/aggregate-to-monitoring': 'true' }, [SECRETS]).raw;
    writeFileSync(audit, `${JSON.stringify({ ...event, apiVersion: 'audit.k8s.io/v1', requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z', stageTimestamp: '2026-03-01T10:00:00.010000Z' })}\n`);
    const without = await runCli(['detect', '--audit-log', audit, '--no-summary']);
    expect(without.stdout).not.toContain(RULE);
    const withCluster = await runCli(['detect', '--audit-log', audit, '--cluster', cluster, '--no-summary']);
    expect(withCluster.code, withCluster.stderr).toBe(1);
    const alert = withCluster.stdout.trim().split('\n').map((line) => JSON.parse(line) as { rule: string; priority: string; summary: string }).find((a) => a.rule === RULE);
    expect(alert).toMatchObject({ priority: 'high' });
    expect(alert?.summary).toContain('aggregated into (monitoring-reader)');
  });

  describe('an aggregationRule the log itself shows (a chart can bring its own aggregated role)', () => {
    const FEEDS = { 'tracing.example/aggregate-to-reader': 'true' };
    const aggregator = (name: string, selectors: unknown[], roleRules: unknown[] = []) => ({ ...clusterRole(name, {}, roleRules), aggregationRule: { clusterRoleSelectors: selectors } });
    const createAggregator = (name = 'tracing-reader', selectors: unknown[] = [{ matchLabels: FEEDS }]) =>
      ev({ verb: 'create', objectRef: ref(), requestObject: aggregator(name, selectors), responseObject: aggregator(name, selectors) });
    const extras = () => create('tracing-extras', FEEDS, [SECRETS]);

    it('a role its selectors pick that brings Secrets alerts, naming the aggregated role; alone, the label means nothing', () => {
      expect(alerts([extras()])).toEqual([]);
      const [alert, ...more] = alerts([createAggregator(), extras()]);
      expect(more).toEqual([]);
      expect(alert.priority).toBe('high');
      expect(alert.summary).toContain('aggregated into (tracing-reader)');
      expect(alert.summary).toContain('rbac-read-secrets');
    });

    it('matchExpressions select too; a selector that is not an object selects nothing', () => {
      const expression = createAggregator('by-expression', [{ matchExpressions: [{ key: 'tracing.example/aggregate-to-reader', operator: 'Exists' }] }]);
      expect(alerts([expression, extras()]).map((a) => a.summary)).toEqual([expect.stringContaining('aggregated into (by-expression)')]);
      expect(alerts([createAggregator('broken', ['tracing.example/aggregate-to-reader']), extras()])).toEqual([]);
    });

    it('deleted, or rewritten without its aggregationRule, it aggregates nothing any more', () => {
      const deleted = ev({ verb: 'delete', objectRef: ref('tracing-reader'), responseStatus: { code: 200 } });
      expect(alerts([createAggregator(), deleted, extras()])).toEqual([]);
      const plain = clusterRole('tracing-reader', {}, []);
      const update = ev({ verb: 'update', objectRef: ref('tracing-reader'), responseStatus: { code: 200 }, requestObject: plain, responseObject: plain });
      expect(alerts([createAggregator(), update, extras()])).toEqual([]);
      // a patch that does not name the aggregationRule leaves it as it was
      const labelOnly = ev({ verb: 'patch', objectRef: ref('tracing-reader'), responseStatus: { code: 200 }, level: 'Request', requestObject: { metadata: { labels: { team: 'tracing' } } } });
      expect(alerts([createAggregator(), labelOnly, extras()])).toHaveLength(1);
    });

    it('a merge patch that turns a role into an aggregated one counts, logged without the stored object', () => {
      const patch = ev({ verb: 'patch', objectRef: ref('tracing-reader'), responseStatus: { code: 200 }, level: 'Request', requestObject: { aggregationRule: { clusterRoleSelectors: [{ matchLabels: FEEDS }] } } });
      expect(alerts([create('tracing-reader', {}, []), patch, extras()]).map((a) => a.summary)).toEqual([expect.stringContaining('aggregated into (tracing-reader)')]);
    });

    it('what the fed role grants counts for a binding made after: its ServiceAccounts read Secrets (built-in view too)', () => {
      const detector = new Detector({ rules });
      const binding = (name: string, role: string) =>
        ev({ verb: 'create', objectRef: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', name }, responseObject: { kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'tracing', namespace: 'checkout' }, { kind: 'ServiceAccount', name: 'viewer', namespace: 'checkout' }].filter((subject) => subject.name === (role === 'view' ? 'viewer' : 'tracing')) } });
      for (const event of [createAggregator(), binding('before', 'tracing-reader')]) detector.process(event);
      expect(detector.context.secretReadSource('checkout', 'tracing')).toBeUndefined(); // nothing fed it yet
      for (const event of [extras(), binding('after', 'tracing-reader'), create('view-extras', VIEW, [SECRETS]), binding('viewers', 'view')]) detector.process(event);
      expect(detector.context.roleRisks('ClusterRole', undefined, 'tracing-reader')).toContain('secrets');
      expect(detector.context.secretReadSource('checkout', 'tracing')).toBe('audit-binding');
      expect(detector.context.secretReadSource('checkout', 'viewer')).toBe('audit-binding');
    });

    describe('bindings made before the role came to read Secrets are judged again', () => {
      const BINDINGS = { apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' };
      const account = (name: string, namespace = 'checkout') => ({ kind: 'ServiceAccount', name, namespace });
      const clusterBinding = (name: string, role: string, subjects: unknown[], verb = 'create') =>
        ev({ verb, objectRef: { resource: 'clusterrolebindings', ...BINDINGS, name }, responseStatus: { code: verb === 'create' ? 201 : 200 }, responseObject: { kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: BINDINGS.apiGroup, kind: 'ClusterRole', name: role }, subjects } });
      const roleBinding = (namespace: string, name: string, role: string, subjects: unknown[]) =>
        ev({ verb: 'create', objectRef: { resource: 'rolebindings', ...BINDINGS, namespace, name }, responseObject: { kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: BINDINGS.apiGroup, kind: 'Role', name: role }, subjects } });
      const deleteBinding = (name: string) => ev({ verb: 'delete', objectRef: { resource: 'clusterrolebindings', ...BINDINGS, name }, responseStatus: { code: 200 } });
      const role = (namespace: string, name: string, roleRules: unknown[], verb = 'create') => {
        const object = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules: roleRules };
        return ev({ verb, objectRef: { resource: 'roles', ...BINDINGS, namespace, name }, responseStatus: { code: verb === 'create' ? 201 : 200 }, requestObject: object, responseObject: object });
      };
      const updateClusterRole = (name: string, roleRules: unknown[]) => {
        const object = clusterRole(name, {}, roleRules);
        return ev({ verb: 'update', objectRef: ref(name), responseStatus: { code: 200 }, requestObject: object, responseObject: object });
      };
      function run(events: AuditEvent[]) {
        const detector = new Detector({ rules });
        for (const event of events) detector.process(event);
        return detector.context;
      }

      it('a binding to view, then Secrets aggregated into view: its ServiceAccounts read Secrets', () => {
        const context = run([clusterBinding('dashboards', 'view', [account('viewer'), { kind: 'User', name: 'alice' }]), create('view-extras', VIEW, [SECRETS])]);
        expect(context.secretReadSource('checkout', 'viewer')).toBe('audit-binding');
        expect(context.secretReadSource('checkout', 'other')).toBeUndefined();
      });

      it('a binding to a chart\'s aggregated role made before its feeder', () => {
        const context = run([createAggregator(), clusterBinding('before', 'tracing-reader', [account('tracing')])]);
        expect(context.secretReadSource('checkout', 'tracing')).toBeUndefined();
        context.learn(extras());
        expect(context.secretReadSource('checkout', 'tracing')).toBe('audit-binding');
      });

      it('a ClusterRole or a Role whose rules are later changed to read Secrets (a helm upgrade)', () => {
        const plain = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] };
        const cluster = run([create('tracing-agent', {}, [plain]), clusterBinding('tracing-agent', 'tracing-agent', [account('tracing')])]);
        expect(cluster.secretReadSource('checkout', 'tracing')).toBeUndefined();
        cluster.learn(updateClusterRole('tracing-agent', [plain, SECRETS]));
        expect(cluster.secretReadSource('checkout', 'tracing')).toBe('audit-binding');

        // a RoleBinding's ServiceAccount defaults to the binding's namespace; a Role of the same name elsewhere does not count
        const namespaced = run([role('checkout', 'agent', [plain]), roleBinding('checkout', 'agent', 'agent', [{ kind: 'ServiceAccount', name: 'tracing' }]), role('billing', 'agent', [SECRETS])]);
        expect(namespaced.secretReadSource('checkout', 'tracing')).toBeUndefined();
        namespaced.learn(role('checkout', 'agent', [SECRETS], 'update'));
        expect(namespaced.secretReadSource('checkout', 'tracing')).toBe('audit-binding');
      });

      it('a binding deleted, or updated without the ServiceAccount, before the role reads Secrets does not count', () => {
        expect(run([clusterBinding('gone', 'view', [account('viewer')]), deleteBinding('gone'), create('view-extras', VIEW, [SECRETS])]).secretReadSource('checkout', 'viewer')).toBeUndefined();
        // (a binding's roleRef cannot change; its subjects can)
        const updated = run([clusterBinding('dashboards', 'view', [account('viewer'), account('kept')]), clusterBinding('dashboards', 'view', [account('kept')], 'update'), create('view-extras', VIEW, [SECRETS])]);
        expect(updated.secretReadSource('checkout', 'viewer')).toBeUndefined();
        expect(updated.secretReadSource('checkout', 'kept')).toBe('audit-binding');
      });

      it('stays bounded: a flood of bindings keeps at most the cap, and the newest are still judged', () => {
        const detector = new Detector({ rules, limits: { maxKeys: 1_000, maxRequests: 1_000, maxRoles: 100 } });
        for (let i = 0; i < 1_000; i++) detector.process(clusterBinding(`flood-${i}`, 'view', [account(`sa-${i}`)]));
        detector.process(create('view-extras', VIEW, [SECRETS]));
        expect(detector.context.secretReadSource('checkout', 'sa-999')).toBe('audit-binding');
        expect(detector.context.secretReadSource('checkout', 'sa-0')).toBeUndefined();
      });

      it("with --cluster, the cluster's bindings to a role the log shows coming to read Secrets count", () => {
        const cluster = inventoryFromText(
          `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dashboards}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: viewer, namespace: checkout}]
`,
          'cluster.yaml',
        );
        const detector = new Detector({ rules, facts: { secrets: secretAccessOf(buildEngine(cluster.inventory)) } });
        expect(detector.context.secretReadSource('checkout', 'viewer')).toBeUndefined();
        detector.process(create('view-extras', VIEW, [SECRETS]));
        expect(detector.context.secretReadSource('checkout', 'viewer')).toBe('audit-binding');
        expect(detector.context.secretReadSource('checkout', 'nobody')).toBeUndefined();
      });
    });

    it('a flood of aggregated roles keeps the newest 1,000', () => {
      const detector = new Detector({ rules });
      for (let i = 0; i < 1_005; i++) detector.process(createAggregator(`flood-${i}`, [{ matchLabels: { [`flood.example/${i}`]: 'true' } }]));
      const names = detector.context.aggregatedRoles().map((role) => role.name);
      expect(names.filter((name) => name.startsWith('flood-'))).toHaveLength(1_000);
      expect(names).toContain('flood-1004');
      expect(names).not.toContain('flood-4');
      expect(names).toEqual(expect.arrayContaining(['admin', 'edit', 'view']));
    });
  });
});
