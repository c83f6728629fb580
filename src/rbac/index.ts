/**
 * The RBAC engine's public API. Rule modules share one engine per scan:
 *
 *   const engine = context.shared('rbac', () => buildEngine(context.inventory));
 *   subjectsReadingAllSecrets(engine)                 // who can read all Secrets
 *   workloadAccess(engine, deployment)                // what this workload's ServiceAccount can do
 *   escalationPathFor(engine, subject, 'cluster-admin') // how a subject becomes cluster-admin
 */
import type { KubeObject } from '../core/object.js';
import { podTemplateOf, serviceAccountOf, tokenAutomounted } from '../core/workload.js';
import type { EffectivePermissions, RbacEngine } from './engine.js';
import { escalationPathFor, type EscalationOptions, type EscalationPath } from './escalation.js';
import { serviceAccountIdentity, type SubjectRef } from './subject.js';

export { appliesTo, appliesToUser, apiGroupMatches, nonResourceURLMatches, resourceMatches, resourceNameMatches, ruleAllows, verbMatches, type RequestAttributes } from './authorizer.js';
export { aggregateClusterRoles, type AggregationResult } from './aggregation.js';
export { auditFacts, auditMetrics, subjectsReadingAllSecrets, type AuditFacts, type AuditMetric } from './audit.js';
export { builtinRoles, BUILTIN_CLUSTER_ROLE_NAMES, isBootstrapObject } from './builtin-roles.js';
export { findDanglingReferences, type DanglingReference } from './dangling.js';
export { analyzeDefaultServiceAccounts, type DefaultServiceAccountAnalysis, type WorkloadAccountUse } from './default-sa.js';
export { buildEngine, RbacEngine, type Decision, type EffectivePermissions, type EngineOptions, type Grant, type Reason, type WhoCanSubject } from './engine.js';
export { describePath, escalationGraph, EscalationGraph, escalationPathFor, goalTitle, pathLabels, type EscalationGoal, type EscalationOptions, type EscalationPath, type EscalationStep } from './escalation.js';
export { rbacFindings, rbacRuleMetas, type FindingOptions } from './findings.js';
export { bindingRefJson, describeRule, roleRefJson, ruleJson, type BindingDef, type PolicyRule, type RoleDef, type Subject } from './model.js';
export { matchCheck, type CheckMatch, type PermissionCheck, type ResourceSpec } from './permissions.js';
export { evaluateRisks, PRIVILEGED_NAMESPACES, riskCatalogue, type RiskDefinition, type RiskHit, type RiskOptions } from './risks.js';
export { BUILTIN_ROLES_MODES, type BuiltinRolesMode } from './roles.js';
export {
  describeSubject,
  groupIdentity,
  identityOf,
  parseSubject,
  serviceAccountIdentity,
  subjectArgument,
  userIdentity,
  type Identity,
  type SubjectRef,
} from './subject.js';


export interface WorkloadAccess {
  serviceAccount: SubjectRef;
  /** Whether the token is in the pod at all: without it, the permissions are not the pod's to use. */
  tokenMounted: boolean;
  permissions: EffectivePermissions;
  /** Shortest paths to cluster-admin and to all Secrets, when there are any. */
  paths: EscalationPath[];
}

/** What a workload's ServiceAccount can do, or undefined for an object that is not a workload. */
export function workloadAccess(engine: RbacEngine, workload: KubeObject, options: EscalationOptions = {}): WorkloadAccess | undefined {
  const template = podTemplateOf(workload);
  const namespace = workload.metadata.namespace;
  if (!template || !namespace) return undefined;
  const name = serviceAccountOf(template.spec);
  const serviceAccount: SubjectRef = { kind: 'ServiceAccount', namespace, name };
  const paths = (['cluster-admin', 'all-secrets'] as const).flatMap((goal) => escalationPathFor(engine, serviceAccount, goal, options) ?? []);
  return {
    serviceAccount,
    tokenMounted: tokenAutomounted(template.spec, engine.inventory.get('ServiceAccount', namespace, name)),
    permissions: engine.effectivePermissions(serviceAccountIdentity(namespace, name)),
    paths,
  };
}
