/**
 * The engine's fast paths against the straightforward reference, on random small inventories
 * (issue 9): the speed work must not change a single answer.
 *
 * - `CheckScreen` (per-role flags OR-ed per scope) answers exactly what `checkHolds` answers, for
 *   every check of the risk catalogue and of the escalation graph, in every scope;
 * - `evaluateRisk` / `evaluateRisks` (decided on the screen, evidence gathered only for hits) give
 *   exactly the hits of the reference below, which asks `checkHolds` and `matchCheck` directly;
 * - the engine's subject indexes give exactly the grants that `appliesTo` finds over all bindings;
 * - a rule allowing a verb for one name allows it for some name (the escalation graph asks the
 *   `names: 'any'` check before looking at single Roles by name);
 * - `escalationPathFor`, which builds no graph for a subject without grants, gives the graph's path;
 * - `catalogueHits` (one screen shared with the graph, subjects whose roles answer nothing passed over),
 *   `grantsOfServiceAccount` (accounts indexed by namespace and name) and the rule pack's role screen
 *   give what the reference gives.
 *
 * The inventories mix wildcards, resourceNames, nonResourceURLs, subresources (`*\/exec` too),
 * aggregation, dangling roleRefs, bindings across namespaces, ServiceAccounts without a namespace,
 * Users named after ServiceAccounts, and the groups every identity has (system:authenticated,
 * system:serviceaccounts, system:serviceaccounts:NS).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { severityRank, type Severity } from '../../src/core/severity.js';
import { appliesTo } from '../../src/rbac/authorizer.js';
import { bindingNamespace, type Grant, type RbacEngine } from '../../src/rbac/engine.js';
import { ESCALATION_GOALS, escalationChecks, escalationGraph, escalationPathFor } from '../../src/rbac/escalation.js';
import { CheckScreen, checkHolds, grantNamespaces, matchCheck, type CheckMatch, type PermissionCheck } from '../../src/rbac/permissions.js';
import * as P from '../../src/rbac/primitives.js';
import { catalogueHits, evaluateRisk, evaluateRisks, PRIVILEGED_NAMESPACES, riskCatalogue, type RiskDefinition, type RiskHit } from '../../src/rbac/risks.js';
import { identityOf, serviceAccountIdentity, subjectKey, type SubjectRef } from '../../src/rbac/subject.js';
import { ROLE_RISKS } from '../../src/rules/pack/role-grants.js';
import { engineOf } from './helpers.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NAMESPACES = ['shop', 'kube-system', 'ops'];
/** Scopes asked about: cluster-wide, each namespace, and one no binding names. */
const SCOPES = ['', ...NAMESPACES, 'elsewhere'];

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'escalate', 'bind', 'impersonate', 'approve', '*'];
const GROUPS = ['', 'apps', 'batch', 'rbac.authorization.k8s.io', 'certificates.k8s.io', 'admissionregistration.k8s.io', 'authentication.k8s.io', 'extensions', '*'];
const RESOURCES = [
  'pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/ephemeralcontainers', 'pods/log', 'secrets', 'serviceaccounts', 'serviceaccounts/token',
  'deployments', 'daemonsets', 'jobs', 'cronjobs', 'replicationcontrollers', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'users', 'groups',
  'uids', 'nodes', 'nodes/proxy', 'namespaces', 'persistentvolumes', 'certificatesigningrequests', 'certificatesigningrequests/approval', 'signers',
  'mutatingwebhookconfigurations', 'validatingadmissionpolicies', '*', '*/exec', '*/token',
];
const NAMES = ['', 'cluster-admin', 'system:masters', 'kubernetes.io/*', 'kubernetes.io/kube-apiserver-client', 'own', 'edit', 'sa0'];
const URLS = ['/metrics', '/healthz', '*', '/api*'];
const ROLE_NAMES = ['own', 'edit', 'cluster-admin', 'reader', 'missing'];
const SUBJECTS = [
  { kind: 'User', name: 'alice' },
  { kind: 'User', name: 'system:serviceaccount:shop:sa0' },
  { kind: 'Group', name: 'devs' },
  { kind: 'Group', name: 'system:authenticated' },
  { kind: 'Group', name: 'system:serviceaccounts' },
  { kind: 'Group', name: 'system:serviceaccounts:shop' },
  { kind: 'Group', name: 'system:masters' },
  { kind: 'ServiceAccount', namespace: 'shop', name: 'sa0' },
  { kind: 'ServiceAccount', namespace: 'kube-system', name: 'sa1' },
  { kind: 'ServiceAccount', name: 'sa0' },
  // Accounts whose username does not split back (a ':' in the name), and the User that names one.
  { kind: 'ServiceAccount', namespace: 'shop', name: 'a:b' },
  { kind: 'User', name: 'system:serviceaccount:shop:a:b' },
  { kind: 'Robot', name: 'r2d2' },
];

const some = <T>(values: readonly T[], maxLength = 3) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 0, maxLength });

const ruleArbitrary = fc.oneof(
  { weight: 5, arbitrary: fc.record({ verbs: some(VERBS), apiGroups: some(GROUPS, 2), resources: some(RESOURCES), resourceNames: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: some(NAMES, 2) }) }) },
  { weight: 1, arbitrary: fc.record({ verbs: some(VERBS), nonResourceURLs: some(URLS, 2) }) },
);

const LABELS: Record<string, string>[] = [{}, { team: 'a' }, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }];
const labelsArbitrary = fc.constantFrom(...LABELS);

const roleArbitrary = fc.record({
  kind: fc.constantFrom('ClusterRole', 'Role'),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...ROLE_NAMES),
  rules: fc.array(ruleArbitrary, { maxLength: 3 }),
  labels: labelsArbitrary,
  aggregates: fc.constantFrom(undefined, ...LABELS.slice(1)),
});

const bindingArbitrary = fc.record({
  kind: fc.constantFrom('ClusterRoleBinding', 'RoleBinding', 'RoleBinding'),
  namespace: fc.constantFrom(...NAMESPACES),
  /** Which generated role the binding refers to; mostly one that exists, sometimes a dangling name. */
  role: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('ClusterRole', 'Role'), name: fc.constantFrom(...ROLE_NAMES) }) }),
  subjects: fc.array(fc.constantFrom(...SUBJECTS), { minLength: 1, maxLength: 3 }),
});

const inventoryArbitrary = fc.record({ roles: fc.array(roleArbitrary, { minLength: 1, maxLength: 6 }), bindings: fc.array(bindingArbitrary, { maxLength: 12 }) }).map(({ roles, bindings }) => {
  const objects: KubeObject[] = NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'shop', name: 'sa0' } });
  roles.forEach((role, index) => {
    const metadata = { name: role.name, labels: role.labels, ...(role.kind === 'Role' ? { namespace: role.namespace } : {}) };
    const object: KubeObject = { apiVersion: RBAC, kind: role.kind, metadata, rules: role.rules };
    if (role.kind === 'ClusterRole' && role.aggregates && index % 2 === 0) object.aggregationRule = { clusterRoleSelectors: [{ matchLabels: role.aggregates }] };
    objects.push(object);
  });
  bindings.forEach((binding, index) => {
    const target = typeof binding.role === 'number' ? roles[binding.role % roles.length] : { ...binding.role, namespace: binding.namespace };
    // A RoleBinding to a Role sits in the Role's namespace (else it would dangle).
    const namespace = binding.kind === 'RoleBinding' ? (target.kind === 'Role' ? target.namespace : binding.namespace) : undefined;
    const metadata = { name: `b${index}`, ...(namespace ? { namespace } : {}) };
    objects.push({ apiVersion: RBAC, kind: binding.kind, metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: target.kind, name: target.name }, subjects: binding.subjects });
  });
  return objects;
});

/** Every check a screen is asked about: the risk catalogue's and the escalation graph's, in both exec modes. */
function allChecks(): PermissionCheck[] {
  const checks = new Set<PermissionCheck>();
  for (const execWithGet of [true, false]) {
    for (const risk of riskCatalogue({ execWithGet })) for (const check of [...(risk.requires ?? []).flat(), ...(risk.unless ?? [])]) checks.add(check);
    for (const check of escalationChecks({ execWithGet })) checks.add(check);
  }
  return [...checks];
}

/** The subjects of the bindings and the identities they stand for, with their grants. */
function subjectsOf(engine: RbacEngine): { subject: SubjectRef; direct: Grant[]; all: Grant[] }[] {
  return engine.boundSubjects().map((subject) => ({ subject, direct: engine.directGrantsOf(subject), all: engine.grantsFor(identityOf(subject)) }));
}

/** The reference: every risk decided with checkHolds in each scope, evidence with matchCheck (the code before the screen). */
function referenceRisk(risk: RiskDefinition, subject: SubjectRef, grants: readonly Grant[]): RiskHit | undefined {
  const holdsIn = (namespace: string): CheckMatch[] | undefined => {
    if (risk.unless?.some((check) => checkHolds(grants, check, namespace))) return undefined;
    if (risk.ruleMatches) {
      const matches = grants
        .filter((grant) => grant.namespace === namespace)
        .flatMap((grant) => grant.role.rules.filter((rule) => risk.ruleMatches?.(rule)).map((rule) => ({ grant, rule, verb: rule.verbs.join(','), resource: { group: rule.apiGroups.join(','), resource: rule.resources.join(',') } })));
      return matches.length ? matches : undefined;
    }
    const requirements = (risk.requires ?? []).map((requirement) => (Array.isArray(requirement) ? requirement : [requirement]));
    if (requirements.length === 0 || !requirements.every((checks) => checks.some((check) => checkHolds(grants, check, namespace)))) return undefined;
    return requirements.flatMap((checks) => checks.flatMap((check) => matchCheck(grants, check, namespace)));
  };
  const cluster = holdsIn('');
  const namespaces: string[] = [];
  const matches: CheckMatch[] = cluster ? [...cluster] : [];
  if (!cluster) {
    for (const namespace of grantNamespaces(grants)) {
      const found = holdsIn(namespace);
      if (!found) continue;
      namespaces.push(namespace);
      matches.push(...found);
    }
  }
  if (!cluster && namespaces.length === 0) return undefined;
  const reachesCluster = cluster !== undefined || namespaces.some((namespace) => PRIVILEGED_NAMESPACES.includes(namespace));
  let severity: Severity = reachesCluster ? risk.severity.cluster : risk.severity.namespace;
  if (risk.namedSeverity && matches.every((match) => match.onlyNames)) severity = severityRank(severity) >= severityRank(risk.namedSeverity) ? severity : risk.namedSeverity;
  return { risk, subject, clusterWide: cluster !== undefined, namespaces, matches, severity };
}

const RUNS = { numRuns: 150 };

describe('fast paths answer exactly as the straightforward reference (random inventories)', () => {
  const checks = allChecks();

  it('CheckScreen.holds is checkHolds, for every check and scope', () => {
    fc.assert(
      fc.property(inventoryArbitrary, (objects) => {
        const engine = engineOf(objects);
        const screen = new CheckScreen(checks);
        for (const { direct, all } of subjectsOf(engine)) {
          for (const grants of [direct, all]) {
            const screened = screen.screen(grants);
            expect(screened.namespaces).toEqual(grantNamespaces(grants));
            const answers = screen.answersSomething(grants);
            for (const check of checks) {
              for (const scope of SCOPES) {
                const expected = checkHolds(grants, check, scope);
                if (screened.holds(check, scope) !== expected) expect.fail(`${JSON.stringify(check)} in "${scope}": the screen says ${!expected}, checkHolds ${expected}`);
                // The shortcuts only ever say "nowhere" when that is so.
                if (expected && !screened.somewhere(check)) expect.fail(`${JSON.stringify(check)} holds in "${scope}" but the screen says nowhere`);
                if (expected && !answers) expect.fail(`${JSON.stringify(check)} holds in "${scope}" but the screen says no role answers anything`);
              }
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('evaluateRisk is the reference, for every risk and subject', () => {
    fc.assert(
      fc.property(inventoryArbitrary, fc.boolean(), (objects, execWithGet) => {
        const engine = engineOf(objects);
        for (const { subject, direct, all } of subjectsOf(engine)) {
          for (const risk of riskCatalogue({ execWithGet })) for (const grants of [direct, all]) expect(evaluateRisk(risk, subject, grants)).toEqual(referenceRisk(risk, subject, grants));
        }
      }),
      RUNS,
    );
  });

  it('evaluateRisks is the reference per subject (severity raised only where the path to cluster-admin starts with the risk)', () => {
    fc.assert(
      fc.property(inventoryArbitrary, fc.boolean(), (objects, execWithGet) => {
        const engine = engineOf(objects);
        const catalogue = riskCatalogue({ execWithGet });
        const expected: RiskHit[] = [];
        const seen = new Set<string>();
        for (const subject of engine.boundSubjects()) {
          if (seen.has(subjectKey(subject))) continue;
          seen.add(subjectKey(subject));
          for (const risk of catalogue) {
            const hit = referenceRisk(risk, subject, engine.directGrantsOf(subject));
            if (hit) expected.push(hit);
          }
        }
        const actual = evaluateRisks(engine, { execWithGet });
        expect(actual.map(({ risk, subject, clusterWide, namespaces, matches }) => ({ id: risk.id, subject, clusterWide, namespaces, matches }))).toEqual(
          expected.map(({ risk, subject, clusterWide, namespaces, matches }) => ({ id: risk.id, subject, clusterWide, namespaces, matches })),
        );
        actual.forEach((hit, index) => {
          if (hit.severity === expected[index].severity) return;
          expect(hit.severity).toBe('critical');
          expect(hit.path?.goal).toBe('cluster-admin');
          expect(hit.risk.primitives).toContain(hit.path?.steps[0].primitive);
        });
      }),
      RUNS,
    );
  });

  it('catalogueHits (the shared screen, silent roles passed over) is the reference for the whole catalogue', () => {
    fc.assert(
      fc.property(inventoryArbitrary, fc.boolean(), (objects, execWithGet) => {
        const engine = engineOf(objects);
        for (const { subject, direct, all } of subjectsOf(engine)) {
          for (const grants of [direct, all]) {
            const expected = riskCatalogue({ execWithGet }).flatMap((risk) => referenceRisk(risk, subject, grants) ?? []);
            expect(catalogueHits(engine, subject, grants, { execWithGet })).toEqual(expected);
          }
        }
      }),
      RUNS,
    );
  });

  it("grantsOfServiceAccount (indexed by namespace and name, kept per account) is grantsFor the account's identity", () => {
    fc.assert(
      fc.property(inventoryArbitrary, (objects) => {
        const engine = engineOf(objects);
        const accounts = [...NAMESPACES, '', 'elsewhere'].flatMap((namespace) => ['sa0', 'sa1', 'a:b', 'default', ''].map((name) => ({ namespace, name })));
        for (const { namespace, name } of [...accounts, ...accounts]) {
          expect(engine.grantsOfServiceAccount(namespace, name)).toEqual(engine.grantsFor(serviceAccountIdentity(namespace, name)));
        }
      }),
      RUNS,
    );
  });

  it("the rule pack's role screen passes over only roles that match no risk of ROLE_RISKS", () => {
    const screen = new CheckScreen(ROLE_RISKS.flatMap((risk) => [...(risk.checks ?? []), ...(risk.ruleMatches ? [risk.ruleMatches] : [])]));
    fc.assert(
      fc.property(inventoryArbitrary, (objects) => {
        const engine = engineOf(objects);
        for (const role of engine.roles.allRoles()) {
          const grant: Grant = { binding: { kind: 'ClusterRoleBinding', name: 'holder', roleRef: undefined, subjects: [], object: objects[0], ordinal: -1 }, role, namespace: '' };
          const risky = ROLE_RISKS.some((risk) => role.rules.some((rule) => risk.ruleMatches?.(rule)) || (risk.checks ?? []).some((check) => SCOPES.some((scope) => matchCheck([{ ...grant, namespace: role.kind === 'Role' ? (role.namespace ?? '') : '' }], check, scope).length > 0)));
          if (risky) expect(screen.answersSomethingFor(role)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("the engine's subject indexes give the grants appliesTo finds over all bindings", () => {
    fc.assert(
      fc.property(inventoryArbitrary, (objects) => {
        const engine = engineOf(objects);
        for (const { subject, all } of subjectsOf(engine)) {
          const identity = identityOf(subject);
          const expected = engine.bindings.filter((binding) => engine.resolution(binding).role && appliesTo(identity, binding.subjects, bindingNamespace(binding)) >= 0);
          expect(all.map((grant) => grant.binding)).toEqual(expected);
          for (const grant of all) expect(grant).toEqual({ binding: grant.binding, role: engine.resolution(grant.binding).role, namespace: bindingNamespace(grant.binding) });
        }
      }),
      RUNS,
    );
  });

  it("escalationPathFor (no graph for a subject that holds nothing) gives the graph's path", () => {
    fc.assert(
      fc.property(inventoryArbitrary, fc.boolean(), (objects, execWithGet) => {
        const engine = engineOf(objects);
        const subjects: SubjectRef[] = [...engine.boundSubjects(), { kind: 'ServiceAccount', namespace: 'shop', name: 'sa0' }, { kind: 'ServiceAccount', namespace: 'ops', name: 'idle' }, { kind: 'Group', name: 'system:masters' }];
        for (const subject of subjects) {
          for (const goal of ESCALATION_GOALS) expect(escalationPathFor(engine, subject, goal, { execWithGet })).toEqual(escalationGraph(engine, { execWithGet }).pathFor(subject, goal));
        }
      }),
      RUNS,
    );
  });

  it('a rule that allows a verb on a named role allows it for some name (the graph asks the any-name check first)', () => {
    fc.assert(
      fc.property(inventoryArbitrary, fc.constantFrom(...ROLE_NAMES), (objects, name) => {
        const engine = engineOf(objects);
        escalationGraph(engine);
        for (const { all } of subjectsOf(engine)) {
          for (const scope of SCOPES) {
            if (checkHolds(all, { ...P.ESCALATE_ROLES, names: [name] }, scope)) expect(checkHolds(all, P.ESCALATE_ROLES, scope)).toBe(true);
            if (checkHolds(all, { ...P.UPDATE_ROLES, names: [name] }, scope)) expect(checkHolds(all, P.UPDATE_ROLES, scope)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });
});
