import { isRecord, type KubeObject } from '../../core/object.js';
import { sharedLength, type PathSegment } from '../../core/provenance.js';
import { containersOf, describeContainer, hasControllerIn, isWorkload, podTemplateOf, type Container, type ContainerKind, type ContainerRef } from '../../core/workload.js';
import { checkById, checkViolations, LATEST, type PodSecurityViolation } from '../../pss/index.js';
import { isHelmTestHook } from '../../core/hooks.js';
import { atOrAbove } from '../../core/severity.js';
import type { Reference, Rule, RuleContext } from '../rule.js';

/** Workload rules look at workloads whose controller is not also in the inventory (see hasControllerIn). */
export function checkedWorkload(object: KubeObject, context: RuleContext): boolean {
  return isWorkload(object) && !hasControllerIn(object, context.inventory);
}

const LIST_KINDS: Record<string, (container: Container) => ContainerKind> = {
  initContainers: (container) => (container.restartPolicy === 'Always' ? 'sidecar' : 'initContainer'),
  containers: () => 'container',
  ephemeralContainers: () => 'ephemeralContainer',
};

/**
 * The container a field path goes through (`…containers[1].securityContext`), if any: one of the
 * workload's containers (shared, not copied: rules name a container in most messages), else found
 * by walking the path.
 */
export function containerAt(object: KubeObject, field: readonly PathSegment[]): ContainerRef | undefined {
  for (const ref of containersOf(object)) if (isPrefix(ref.path, field)) return ref;
  let node: unknown = object;
  for (let index = 0; index < field.length - 1; index++) {
    if (!isRecord(node)) return undefined;
    const segment = field[index];
    const kindOf = typeof segment === 'string' ? LIST_KINDS[segment] : undefined;
    const list = node[segment as string];
    if (kindOf && Array.isArray(list) && typeof field[index + 1] === 'number') {
      const container = list[field[index + 1] as number];
      return isRecord(container) ? { container, kind: kindOf(container), path: field.slice(0, index + 2) } : undefined;
    }
    node = list;
  }
  return undefined;
}

function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && sharedLength(prefix, path) === prefix.length;
}


/** Who sets a field, for messages: the container it goes through (`init container "setup"`), else the pod. */
export function whoSets(object: KubeObject, field: readonly PathSegment[]): string {
  const ref = containerAt(object, field);
  return ref ? describeContainer(ref) : 'the pod';
}

/**
 * Which of several containers a per-pod finding points at: the first by name, so that reordering
 * containers moves neither the finding's line nor its fingerprint.
 */
export function firstByName<T>(items: readonly T[], nameOf: (item: T) => string | undefined): T {
  return items.reduce((best, item) => ((nameOf(item) ?? '') < (nameOf(best) ?? '') ? item : best));
}

/**
 * The violations of one Pod Security check on a workload at the latest policy version (fields from
 * the object's root: the template is a pod view with its `podPath`); empty when it passes. Each
 * check on its own: no restricted check hides a baseline one, each rule owns some checks and reports
 * their fields. Evaluated when asked, without a cache: nearly every check has one owner, and a check
 * that passes allocates nothing.
 */
export function podSecurityViolations(object: KubeObject, checkId: string): readonly PodSecurityViolation[] {
  const check = checkById(checkId);
  const template = podTemplateOf(object);
  if (!check || !template) return NO_VIOLATIONS;
  return checkViolations(check, template, LATEST);
}

const NO_VIOLATIONS: readonly PodSecurityViolation[] = Object.freeze([]);

/** The Pod Security level a check belongs to, for messages: `breaks Pod Security baseline`. */
export function breaksLevel(checkId: string): string {
  return podSecurityWords(checkId).breaks;
}

/**
 * Evidence every finding owed to a Pod Security check carries. One frozen object per check, shared
 * by its findings (a scan makes one per workload): spread it to add fields beside it.
 */
export function podSecurityEvidence(checkId: string): { readonly podSecurity: { readonly level: string; readonly check: string } } {
  return podSecurityWords(checkId).evidence;
}

/** What the messages and evidence of a check's findings say about it, worked out once per check. */
function podSecurityWords(checkId: string): { breaks: string; evidence: { readonly podSecurity: { readonly level: string; readonly check: string } } } {
  let words = wordsByCheck.get(checkId);
  if (!words) {
    const check = checkById(checkId);
    words = { breaks: check ? `breaks Pod Security ${check.level}` : '', evidence: Object.freeze({ podSecurity: Object.freeze({ level: check?.level ?? 'baseline', check: checkId }) }) };
    wordsByCheck.set(checkId, words);
  }
  return words;
}

const wordsByCheck = new Map<string, { breaks: string; evidence: { readonly podSecurity: { readonly level: string; readonly check: string } } }>();

/** A reference to a Pod Security check: the rule reports that check's fields in a scan (see docs/rules.md). */
export function podSecurityReference(checkId: string): Reference {
  return { tool: 'pod-security', id: checkId, url: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/' };
}

/**
 * A hardening rule: on a `helm test` pod, which runs only when someone runs the chart's tests, it
 * reports nothing below `medium` (a privileged or host-mounting test pod is still reported).
 */
export function hardening(rule: Rule): Rule {
  return {
    ...rule,
    meta: { ...rule.meta, description: `${rule.meta.description} A \`helm test\` pod gets no finding below \`medium\` from this rule: it runs only when someone runs the tests.` },
    check(object, context) {
      const violations = rule.check(object, context);
      if (!violations.length || !isHelmTestHook(object)) return violations;
      return violations.filter((violation) => atOrAbove(violation.severity ?? rule.meta.severity, 'medium'));
    },
  };
}
