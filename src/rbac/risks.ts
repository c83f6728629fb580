/**
 * Risky permissions as data. Each risk is a conjunction of permission checks that must all hold in
 * one scope (cluster-wide, or one namespace), evaluated per subject over the bindings that name that
 * subject. One hit per subject and risk, with the namespaces where it holds.
 */
import { severityRank, type Severity } from '../core/severity.js';
import { isBootstrapObject } from './builtin-roles.js';
import type { Grant, RbacEngine } from './engine.js';
import type { BindingDef, RoleDef } from './model.js';
import { riskCatalogue, riskQuestions, type RiskDefinition } from './catalogue.js';
import { escalationGraph, rbacScreen, type EscalationOptions, type EscalationPath } from './escalation.js';
import { CheckScreen, matchCheck, type CheckMatch, type ScreenedGrants } from './permissions.js';
import { subjectKey, type SubjectRef } from './subject.js';

export { riskCatalogue, type RiskDefinition } from './catalogue.js';

/** Namespaces whose ServiceAccounts run the control plane: a grant there counts as cluster-wide. */
export const PRIVILEGED_NAMESPACES: readonly string[] = ['kube-system'];

export interface RiskHit {
  risk: RiskDefinition;
  subject: SubjectRef;
  clusterWide: boolean;
  /** Namespaces where it holds through RoleBindings (empty when cluster-wide). */
  namespaces: string[];
  matches: CheckMatch[];
  severity: Severity;
  /** The subject's shortest escalation path: to cluster-admin, else to all Secrets. */
  path?: EscalationPath;
}

export interface RiskOptions extends EscalationOptions {
  /** Report grants of the Kubernetes bootstrap bindings (`kubernetes.io/bootstrapping: rbac-defaults`) too. Default false. */
  includeDefaults?: boolean;
}

/** Evaluates the catalogue for every subject a binding names. */
export function evaluateRisks(engine: RbacEngine, options: RiskOptions = {}): RiskHit[] {
  return engine.cached(`risks:${options.execWithGet ?? true}:${options.includeDefaults ?? false}`, () => {
    const catalogue = riskCatalogue(options);
    const screen = new RiskScreen(rbacScreen(engine, options));
    const hits: RiskHit[] = [];
    // Roles that answer no question of the screen carry no risk: when no binding grants one (a chart's
    // or a namespace's ordinary roles), no subject's grants are gathered at all.
    if (!engine.bindings.some((binding) => bindingAnswers(engine, binding, screen, options))) return hits;
    const evaluated = new Set<string>();
    for (const subject of engine.boundSubjects()) {
      // A User named system:serviceaccount:NS:NAME is that ServiceAccount: one set of grants, reported once.
      const key = subjectKey(subject);
      if (evaluated.has(key)) continue;
      evaluated.add(key);
      let grants = engine.directGrantsOf(subject);
      if (!options.includeDefaults) grants = grants.filter((grant) => !isBootstrapObject(grant.binding.object.metadata.labels));
      // Most subjects of a cluster stop here.
      if (!screen.answersSomething(grants)) continue;
      const screened = screen.screen(grants);
      let path: EscalationPath | undefined | null = null;
      for (const risk of catalogue) {
        const hit = riskHit(risk, subject, grants, screen, screened);
        if (!hit) continue;
        // The graph is built for the first subject that has a risk to report (a scan without any builds none).
        if (path === null) {
          const graph = escalationGraph(engine, options);
          path = graph.pathFor(subject, 'cluster-admin') ?? graph.pathFor(subject, 'all-secrets');
        }
        if (path) hit.path = path;
        if (path?.goal === 'cluster-admin' && risk.primitives?.includes(path.steps[0].primitive)) hit.severity = 'critical';
        hits.push(hit);
      }
    }
    return hits;
  });
}

/** Whether the binding grants a role that answers some question of the screen (a bootstrap binding counts only with `includeDefaults`). */
function bindingAnswers(engine: RbacEngine, binding: BindingDef, screen: RiskScreen, options: RiskOptions): boolean {
  const role = engine.resolution(binding).role;
  return role !== undefined && screen.answersSomethingFor(role) && (options.includeDefaults === true || !isBootstrapObject(binding.object.metadata.labels));
}

/**
 * Decides whether a risk holds for a set of grants without building any evidence: the catalogue's
 * checks and rule properties in one CheckScreen (flags worked out once per role), each risk a few lookups.
 */
class RiskScreen {
  constructor(private readonly checks: CheckScreen) {}

  answersSomething(grants: readonly Grant[]): boolean {
    return this.checks.answersSomething(grants);
  }

  answersSomethingFor(role: RoleDef): boolean {
    return this.checks.answersSomethingFor(role);
  }

  screen(grants: readonly Grant[]): ScreenedGrants {
    return this.checks.screen(grants);
  }

  /** Whether the risk may hold in some scope: each requirement, or the rule property, answered yes somewhere. */
  mayHold(risk: RiskDefinition, screened: ScreenedGrants): boolean {
    if (risk.ruleMatches) return screened.somewhere(risk.ruleMatches);
    const requirements = risk.requires ?? [];
    for (const requirement of requirements) {
      if (Array.isArray(requirement) ? !requirement.some((check) => screened.somewhere(check)) : !screened.somewhere(requirement)) return false;
    }
    return requirements.length > 0;
  }

  /**
   * Whether the risk holds in a scope (`''`: cluster-wide): a check holds where a grant that applies
   * there satisfies it (checkHolds); a rule property only on grants of exactly that scope.
   */
  holdsIn(risk: RiskDefinition, screened: ScreenedGrants, namespace: string): boolean {
    for (const check of risk.unless ?? []) if (screened.holds(check, namespace)) return false;
    if (risk.ruleMatches) return screened.grantedIn(risk.ruleMatches, namespace);
    const requirements = risk.requires ?? [];
    for (const requirement of requirements) {
      if (Array.isArray(requirement) ? !requirement.some((check) => screened.holds(check, namespace)) : !screened.holds(requirement, namespace)) return false;
    }
    return requirements.length > 0;
  }
}

/** One risk for one subject's grants, or undefined. */
export function evaluateRisk(risk: RiskDefinition, subject: SubjectRef, grants: readonly Grant[]): RiskHit | undefined {
  const screen = new RiskScreen(new CheckScreen(riskQuestions(risk)));
  return riskHit(risk, subject, grants, screen, screen.screen(grants));
}

/** Every risk of the catalogue one set of grants carries, in the catalogue's order, on the engine's shared screen (evaluateRisk for each). */
export function catalogueHits(engine: RbacEngine, subject: SubjectRef, grants: readonly Grant[], options: EscalationOptions = {}): RiskHit[] {
  const hits: RiskHit[] = [];
  const screen = new RiskScreen(rbacScreen(engine, options));
  if (!screen.answersSomething(grants)) return hits;
  const screened = screen.screen(grants);
  for (const risk of riskCatalogue(options)) {
    const hit = riskHit(risk, subject, grants, screen, screened);
    if (hit) hits.push(hit);
  }
  return hits;
}

/** The screen decides where the risk holds; the evidence (matching grants and rules) is gathered only there. */
function riskHit(risk: RiskDefinition, subject: SubjectRef, grants: readonly Grant[], screen: RiskScreen, screened: ScreenedGrants): RiskHit | undefined {
  if (!screen.mayHold(risk, screened)) return undefined;
  const clusterWide = screen.holdsIn(risk, screened, '');
  const namespaces: string[] = [];
  if (!clusterWide) for (const namespace of screened.namespaces) if (screen.holdsIn(risk, screened, namespace)) namespaces.push(namespace);
  if (!clusterWide && namespaces.length === 0) return undefined;
  // A grant that counts in several of the namespaces (a ClusterRoleBinding's) is listed once for each.
  const matches: CheckMatch[] = [];
  for (const namespace of clusterWide ? [''] : namespaces) addEvidence(risk, grants, namespace, matches);
  const reachesCluster = clusterWide || namespaces.some((namespace) => PRIVILEGED_NAMESPACES.includes(namespace));
  let severity = reachesCluster ? risk.severity.cluster : risk.severity.namespace;
  if (risk.namedSeverity && matches.every((match) => match.onlyNames)) severity = lowerOf(severity, risk.namedSeverity);
  return { risk, subject, clusterWide, namespaces, matches, severity };
}

/** The matches that make the risk hold in one scope: of each required check, or the rules with the property (grants of exactly that scope). */
function addEvidence(risk: RiskDefinition, grants: readonly Grant[], namespace: string, matches: CheckMatch[]): void {
  if (risk.ruleMatches) {
    for (const grant of grants) {
      if (grant.namespace !== namespace) continue;
      for (const rule of grant.role.rules) {
        if (risk.ruleMatches(rule)) matches.push({ grant, rule, verb: rule.verbs.join(','), resource: { group: rule.apiGroups.join(','), resource: rule.resources.join(',') } });
      }
    }
    return;
  }
  for (const requirement of risk.requires ?? []) {
    for (const check of Array.isArray(requirement) ? requirement : [requirement]) for (const match of matchCheck(grants, check, namespace)) matches.push(match);
  }
}

function lowerOf(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}
