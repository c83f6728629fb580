/**
 * The battlecard's Evaluation metrics, computed from the engine: ServiceAccounts with wildcard
 * permissions (goal: zero), the share of workloads on their own ServiceAccount (goal: 100%),
 * subjects that can read all Secrets, ClusterRoleBindings to cluster-admin, and subjects with an
 * escalation path to cluster-admin.
 */
import { analyzeDefaultServiceAccounts } from './default-sa.js';
import type { RbacEngine } from './engine.js';
import { escalationGraph } from './escalation.js';
import { isWildcardRule, type BindingDef } from './model.js';
import { isBootstrapObject } from './builtin-roles.js';
import type { RiskOptions } from './risks.js';
import { describeSubject, identityOf, SYSTEM_MASTERS, type SubjectRef } from './subject.js';

export interface AuditMetric {
  name: string;
  value: string | number;
  detail?: string;
}

/** Which subjects list or watch Secrets in every namespace (ClusterRoleBindings, plus `system:masters`). */
export function subjectsReadingAllSecrets(engine: RbacEngine): SubjectRef[] {
  const found = new Map<string, SubjectRef>();
  for (const verb of ['list', 'watch']) {
    for (const entry of engine.whoCan({ verb, apiGroup: '', resource: 'secrets', namespace: '' })) found.set(describeSubject(entry.subject), entry.subject);
  }
  return [...found.values()];
}

/** The facts behind the Evaluation metrics, as numbers and lists (the posture report trends them). */
export interface AuditFacts {
  wildcardAccounts: SubjectRef[];
  workloads: number;
  onDefault: number;
  /** Of the workloads on the default ServiceAccount, those with its token mounted. */
  mountedOnDefault: number;
  secretReaders: SubjectRef[];
  clusterAdminBindings: BindingDef[];
  /** Subjects besides system:masters with an escalation path to cluster-admin. */
  escalating: SubjectRef[];
}

export function auditFacts(engine: RbacEngine, options: RiskOptions = {}): AuditFacts {
  const graph = escalationGraph(engine, options);
  const counted = (grantLabels: Record<string, string> | undefined) => options.includeDefaults || !isBootstrapObject(grantLabels);
  const accounts = graph.knownSubjects().filter((subject) => subject.kind === 'ServiceAccount');
  const wildcardAccounts = accounts.filter((account) =>
    engine.grantsFor(identityOf(account)).some((grant) => counted(grant.binding.object.metadata.labels) && grant.role.rules.some(isWildcardRule)),
  );
  const { workloads, onDefault } = analyzeDefaultServiceAccounts(engine, options);
  const escalating = engine
    .boundSubjects()
    .filter((subject) => !(subject.kind === 'Group' && subject.name === SYSTEM_MASTERS))
    .filter((subject) => engine.directGrantsOf(subject).some((grant) => counted(grant.binding.object.metadata.labels)))
    .filter((subject) => graph.pathFor(subject, 'cluster-admin'));
  return {
    wildcardAccounts,
    workloads: workloads.length,
    onDefault: onDefault.length,
    mountedOnDefault: onDefault.filter((workload) => workload.tokenMounted).length,
    secretReaders: subjectsReadingAllSecrets(engine),
    clusterAdminBindings: engine.bindings.filter((binding) => binding.kind === 'ClusterRoleBinding' && binding.roleRef?.kind === 'ClusterRole' && binding.roleRef.name === 'cluster-admin'),
    escalating,
  };
}

export function auditMetrics(engine: RbacEngine, options: RiskOptions = {}): AuditMetric[] {
  const facts = auditFacts(engine, options);
  const { wildcardAccounts: wildcard, workloads, onDefault, secretReaders: readers, clusterAdminBindings: clusterAdmins, escalating } = facts;
  const share = workloads ? `${workloads - onDefault}/${workloads} (${Math.round((100 * (workloads - onDefault)) / workloads)}%)` : 'n/a (no workloads)';
  const scopeNote = options.includeDefaults ? '' : "; Kubernetes' own bootstrap bindings not counted";
  return [
    { name: 'ServiceAccounts with wildcard permissions', value: wildcard.length, detail: `goal 0${list(wildcard)}${scopeNote}` },
    { name: 'Workloads on a non-default ServiceAccount', value: share, detail: `goal 100%${onDefault ? `; ${onDefault} on default, ${facts.mountedOnDefault} of them with the token mounted` : ''}` },
    { name: 'Subjects that can read all Secrets', value: readers.length, detail: `list or watch in every namespace${list(readers)}` },
    { name: 'ClusterRoleBindings to cluster-admin', value: clusterAdmins.length, detail: clusterAdmins.length ? clusterAdmins.map((binding) => binding.name).slice(0, 10).join(', ') : undefined },
    { name: 'Subjects with an escalation path to cluster-admin', value: escalating.length, detail: `besides ${SYSTEM_MASTERS}${list(escalating)}${scopeNote}` },
  ].map((metric) => (metric.detail === undefined ? { name: metric.name, value: metric.value } : metric));
}

function list(subjects: readonly SubjectRef[]): string {
  if (subjects.length === 0) return '';
  const shown = subjects.slice(0, 10).map(describeSubject).join(', ');
  return `: ${shown}${subjects.length > 10 ? `, and ${subjects.length - 10} more` : ''}`;
}
