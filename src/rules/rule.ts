import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import type { Severity, Stage } from '../core/severity.js';

/** A peer tool's id for the same check, so users can map kubeward to what they know. */
export interface Reference {
  tool: 'kube-linter' | 'checkov' | 'trivy' | 'kubescape' | 'polaris' | 'kics' | 'kube-score' | 'kubesec' | 'pod-security' | 'kubernetes-docs';
  id: string;
  url?: string;
}

/** What a rule is, for the engine, the reports and the generated docs. */
export interface RuleMeta {
  /** Stable, kebab-case: what users write in `kubeward.io/ignore` and `.kubeward.yaml`. */
  id: string;
  title: string;
  severity: Severity;
  stage: Stage;
  /** Why it matters, in Markdown; the first sentence is the short description. */
  description: string;
  remediation: string;
  references: Reference[];
  /** Kinds the rule looks at; undefined means every object. */
  kinds?: readonly string[];
}

/** One thing wrong with one object, as a rule reports it; the engine turns it into a Finding. */
export interface Violation {
  message: string;
  /** Path to the offending field, so the finding points at its line. */
  path?: PathSegment[];
  /** Overrides the rule's severity for this violation (e.g. by how far an escalation reaches). */
  severity?: Severity;
  evidence?: Record<string, unknown>;
}

/**
 * What a rule may consult besides the object: the whole inventory, and engines built once per
 * scan (`shared`), so ten RBAC rules ask one authorizer.
 */
export interface RuleContext {
  inventory: Inventory;
  shared<T>(key: string, build: () => T): T;
}

/** An example for the rule tester and the docs: a YAML stream forming the whole inventory. */
export interface Example {
  name: string;
  yaml: string;
}

export interface InvalidExample extends Example {
  /** How many violations this rule must report on the example. */
  violations: number;
  /** When given: the severity of each violation, in the order the rule reports them (the rule's own when a violation sets none). */
  severities?: Severity[];
}

/** A rule: metadata, a check, and its proof (the tester runs every example in `npm test`). */
export interface Rule {
  meta: RuleMeta;
  check(object: KubeObject, context: RuleContext): Violation[];
  examples: { valid: Example[]; invalid: InvalidExample[] };
}
