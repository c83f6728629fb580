import { hash } from 'node:crypto';
import { apiGroupOf, isRecord, type ObjectRef } from './object.js';
import { sharedLength, type PathSegment } from './provenance.js';
import { atOrAbove, emptySeverityCounts, type Severity, type SeverityCounts, type Stage } from './severity.js';

/** What a suppression says and where it came from. */
export interface Suppression {
  /** `annotation` is `kubeward.io/ignore` on the object; `config` is an `ignore` entry in `.kubeward.yaml`. */
  source: 'annotation' | 'config';
  reason: string;
  expires?: string;
}

/** One problem with one object. The JSON report carries these fields under these names. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  object: ObjectRef;
  location?: { file: string; line?: number };
  stage: Stage;
  suppressed: boolean;
  suppression?: Suppression;
  remediation?: string;
  /** Rule-specific facts (an escalation path, the connections allowed); never a Secret's value. */
  evidence?: Record<string, unknown>;
  /**
   * Identifies the finding across runs: a hash of the rule, the object (API group, kind, namespace,
   * name) and the field path, so it survives line moves and reordered containers. See fingerprintOf.
   */
  fingerprint?: string;
  /** Set when the run compared against a baseline report (`--baseline`, `kubeward diff`): SARIF's baselineState. */
  baselineState?: BaselineState;
}

/** `new`: absent from the baseline; `unchanged`: the baseline has it too. The names SARIF gives them. */
export type BaselineState = 'new' | 'unchanged';

/**
 * The findings that fail a run at `failOn` (`--fail-on`): unsuppressed, not already in the baseline,
 * at or above the threshold. What makes `scan` exit 1 and the Helm post-renderer gate block an install.
 */
export function blockingFindings(findings: readonly Finding[], failOn: Severity | 'none'): Finding[] {
  if (failOn === 'none') return [];
  return findings.filter((finding) => !finding.suppressed && finding.baselineState !== 'unchanged' && atOrAbove(finding.severity, failOn));
}

export function summarize(findings: readonly Finding[]): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const finding of findings) if (!finding.suppressed) counts[finding.severity]++;
  return counts;
}

/**
 * A field path that survives reordering: list items that carry a `name` (containers, volumes, env,
 * ports, binding subjects) are named, others indexed. `spec.template.spec.containers[name=helper].image`.
 */
export function fieldPathText(root: unknown, path: readonly PathSegment[]): string {
  const walk = lastWalk;
  // Where the path parts from the last one asked about the same object: the text and node before it are known.
  let depth = 0;
  if (walk.root === root) {
    depth = sharedLength(walk.segments, path, walk.depth);
  } else {
    walk.root = root;
    walk.nodes[0] = root;
  }
  let node = walk.nodes[depth];
  let text = walk.texts[depth];
  for (; depth < path.length; depth++) {
    const segment = path[depth];
    text = withSegment(text, node, segment);
    node = childOf(node, segment);
    walk.segments[depth] = segment;
    walk.nodes[depth + 1] = node;
    walk.texts[depth + 1] = text;
  }
  walk.depth = path.length;
  return text;
}

/**
 * The last path fieldPathText walked, and the node it stood on and the text it had written after
 * each of its segments (`depth` segments; the arrays are written over, never shortened). A scan asks
 * for the paths of one object's findings one after another (a workload has a dozen, most under
 * `spec.template.spec.containers[name=…]`): each goes on from where it parts from the last instead
 * of writing the shared start again (a text built by `+` is a tree of partial strings, and every
 * partial text was garbage: 6 MB per scan of the 10,000-object bench mix). Holds on to that one
 * object until another is asked about; objects are never mutated after load.
 */
const lastWalk: { root: unknown; depth: number; segments: PathSegment[]; nodes: unknown[]; texts: string[] } = { root: undefined, depth: 0, segments: [], nodes: [undefined], texts: [''] };

/** The path text with one more segment, `node` being where the path stood before it. */
function withSegment(text: string, node: unknown, segment: PathSegment): string {
  if (typeof segment === 'string') return text ? `${text}.${segment}` : segment;
  const item = Array.isArray(node) ? (node[segment] as unknown) : undefined;
  return isRecord(item) && typeof item.name === 'string' && item.name ? `${text}[name=${item.name}]` : `${text}[${segment}]`;
}

function childOf(node: unknown, segment: PathSegment): unknown {
  if (typeof segment === 'number') return Array.isArray(node) ? (node[segment] as unknown) : undefined;
  return isRecord(node) ? node[segment] : undefined;
}

/**
 * The fingerprint of a finding: rule, object (API group, not version: an upgrade from v1beta1 to v1
 * is the same object), and field path. Never the message or the line, which change with unrelated
 * edits. 32 hex digits of SHA-256.
 */
export function fingerprintOf(ruleId: string, object: ObjectRef, field = ''): string {
  return fingerprintWith(ruleId, objectIdentity(object), field);
}

/** The object's part of a fingerprint: API group, kind, namespace and name, the same for every finding on it. */
export function objectIdentity(object: ObjectRef): string {
  return `${apiGroupOf(object.apiVersion)}\u0000${object.kind}\u0000${object.namespace ?? ''}\u0000${object.name}`;
}

/** fingerprintOf with the object's identity worked out once (objectIdentity): `kubeward/v1`, rule, object and field, NUL-separated. */
export function fingerprintWith(ruleId: string, identity: string, field: string): string {
  // crypto.hash: the one-shot form (Node 20.12+), a third of createHash's cost for a short input; a scan hashes every finding.
  return hash('sha256', `kubeward/v1\u0000${ruleId}\u0000${identity}\u0000${field}`, 'hex').slice(0, 32);
}

/** A finding's fingerprint: the one computed when it was made, else one from its rule and object. */
export function findingFingerprint(finding: Finding): string {
  return finding.fingerprint ?? fingerprintOf(finding.ruleId, finding.object);
}
