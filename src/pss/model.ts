import { isRecord, type ObjectMeta } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import { podContainers, type Container, type PodSpec } from '../core/workload.js';
import type { PolicyVersion } from './version.js';

/** The two levels that restrict anything; `privileged` allows everything and has no checks. */
export const LEVELS = ['baseline', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** What a check sees: the pod's metadata (annotations) and spec, as in a Pod or a workload's template. */
export interface PodView {
  metadata: ObjectMeta;
  spec: PodSpec;
  /**
   * Path from the object's root to the pod (`['spec','template']` in a Deployment, none in a Pod):
   * the fields a check reports start with it, so they point into the object as they are
   * (`spec.template.spec.containers[0]…`). Without it fields start at the pod (`spec.containers[0]…`).
   */
  podPath?: readonly PathSegment[];
}

/**
 * One offending field. `field` is the path from the pod (template) root, after the view's `podPath`, to the field that is wrong,
 * or that is missing and required (`spec.containers[0].securityContext.runAsNonRoot`); it may not
 * exist in the object. `container` names the container it belongs to, when it does.
 */
export interface PodSecurityViolation {
  field: PathSegment[];
  container?: string;
  /** The offending value as text (a capability, a volume type, a sysctl name): never a Secret's value. */
  value?: string;
}

/** A failed check: upstream's ForbiddenReason and ForbiddenDetail, and the fields that failed it. */
export interface CheckFailure {
  check: string;
  level: Level;
  reason: string;
  detail: string;
  violations: PodSecurityViolation[];
}

/**
 * The result of one version of a check: nothing when the pod passes. The detail is written only when
 * asked (`kubeward pss` shows it; the rules of a scan read only the fields), and a check that passes
 * allocates nothing: a scan asks every check of every workload.
 */
export type CheckOutcome = { reason: string; detail: () => string; violations: PodSecurityViolation[] } | undefined;

export interface VersionedCheck {
  /** The first policy version (1.N) this behaviour applies to, until a later entry replaces it. */
  minimumVersion: number;
  evaluate(pod: PodView): CheckOutcome;
  /** Baseline checks this restricted check replaces from this version on (it checks the same fields, more strictly). */
  overrides?: readonly string[];
}

/** A check of the Pod Security Standards, named with upstream's check ID. */
export interface PodSecurityCheck {
  id: string;
  level: Level;
  /** Sorted by minimumVersion. */
  versions: readonly VersionedCheck[];
}

/** The entry of a check that applies at a policy version, if the check exists then. */
export function versionAt(check: PodSecurityCheck, version: PolicyVersion): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const entry of check.versions) if (entry.minimumVersion <= version.minor) found = entry;
  return found;
}

export interface VisitedContainer {
  container: Container;
  /** Path from the pod root, after the view's `podPath`: `['spec', 'initContainers', 0]`. */
  path: PathSegment[];
}

/**
 * Upstream's visitContainers: init containers, containers, then ephemeral containers (core's
 * podContainers: read once per pod spec and shared with the rules; callers must not change it).
 */
export function visitContainers(pod: PodView): readonly VisitedContainer[] {
  return podContainers(pod);
}

/** A pod-level field as a check reports it: `['spec', 'hostPID']`, after the view's `podPath`. */
export function podField(pod: PodView, ...field: PathSegment[]): PathSegment[] {
  return pod.podPath?.length ? [...pod.podPath, ...field] : field;
}

/** The container's name as messages show it. */
export function containerName(container: Container): string {
  return typeof container.name === 'string' ? container.name : '';
}

/** A mapping field of a mapping, or undefined: manifests are user input, so every read is tolerant. */
export function recordAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const child = value[key];
  return isRecord(child) ? child : undefined;
}

/** The pod's securityContext, or undefined. */
export function podSecurityContext(spec: PodSpec): Record<string, unknown> | undefined {
  return isRecord(spec.securityContext) ? spec.securityContext : undefined;
}

export function containerSecurityContext(container: Container): Record<string, unknown> | undefined {
  return isRecord(container.securityContext) ? container.securityContext : undefined;
}

/** `spec.os.name` is `windows`: some restricted checks do not apply to Windows pods from 1.25. */
export function isWindowsPod(spec: PodSpec): boolean {
  return recordAt(spec, 'os')?.name === 'windows';
}

/** `"a", "b"` as upstream's joinQuote writes lists in details. */
export function joinQuote(values: readonly string[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** Unique values in first-seen order. */
export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `containers "a", "b"` / `container "a"`. */
export function containersPhrase(names: readonly string[]): string {
  const list = unique(names);
  return `${pluralize('container', 'containers', list.length)} ${joinQuote(list)}`;
}

/** `pod and containers "a", "b"`: who set the offending fields (pod-level fields name no container). */
export function settersPhrase(violations: readonly PodSecurityViolation[]): string {
  const containers = violations.flatMap((violation) => (violation.container === undefined ? [] : [violation.container]));
  return [...(violations.some((violation) => violation.container === undefined) ? ['pod'] : []), ...(containers.length ? [containersPhrase(containers)] : [])].join(' and ');
}

/** From 1.25, restricted checks of Linux-only fields do not apply to pods with `spec.os.name: windows`. */
export function exemptingWindows(evaluate: (pod: PodView) => CheckOutcome): (pod: PodView) => CheckOutcome {
  return (pod) => (isWindowsPod(pod.spec) ? undefined : evaluate(pod));
}
