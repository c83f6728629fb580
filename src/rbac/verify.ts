/**
 * Generated RBAC checked by the RBAC engine itself, before anyone applies it:
 *  - every observed request is allowed (by the generated roles, with what the rest of the cluster
 *    already allows when the cluster is given; the subject's own bindings are not counted, since the
 *    generated ones replace them);
 *  - no risk of the catalogue (risks.ts) becomes reachable unless observed requests needed it: for
 *    every risk the subject holds with the roles and did not hold without them (alone, or together
 *    with what the cluster grants it through its groups), each permission of the roles that makes the
 *    risk hold was itself observed. Those risks, with the requests that needed them, are what the
 *    output names in its header.
 */
import { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { ruleAllows } from './authorizer.js';
import { buildEngine, type EngineOptions, type RbacEngine } from './engine.js';
import { escalationGraph, ESCALATION_GOALS, type EscalationOptions, type EscalationPath } from './escalation.js';
import type { GeneratedRbac } from './generate.js';
import { isRbacObject, type Subject } from './model.js';
import type { ObservedRequest } from './observed.js';
import { grantApplies, type CheckMatch } from './permissions.js';
import { evaluateRisk, riskCatalogue, type RiskDefinition } from './risks.js';
import { boundSubject, subjectKey, type Identity, type SubjectRef } from './subject.js';

export interface NeededRisk {
  risk: RiskDefinition;
  severity: Severity;
  clusterWide: boolean;
  namespaces: string[];
  /** The observed requests that are instances of the risky permissions. */
  neededBy: ObservedRequest[];
}

export interface RbacVerification {
  /** Observed requests the generated set does not allow: empty, or the generator is wrong. */
  notAllowed: ObservedRequest[];
  /** Risks newly reachable with the generated roles, each with the requests that needed it. */
  risks: NeededRisk[];
  /** Risks whose permissions no observed request needed: empty, or the generator is wrong. */
  unjustified: RiskDefinition[];
  /** Escalation paths the subject has with the generated roles that it did not have without them. */
  newPaths: EscalationPath[];
  /** Objects of the cluster the generated ones replace (same kind, namespace and name), not written by kubeward. */
  replaces: KubeObject[];
}

export interface VerifyOptions extends EscalationOptions {
  /** The cluster the roles are meant for (dump, manifests, live): verified together with it. */
  cluster?: Inventory;
  engine?: EngineOptions;
}

const identityKey = (object: KubeObject) => `${object.kind}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name ?? ''}`;

/** The cluster without the subject's own binding entries: what it can do without the bindings the generated ones replace. */
export function withoutOwnBindings(objects: readonly KubeObject[], subject: SubjectRef): KubeObject[] {
  const key = subjectKey(subject);
  const out: KubeObject[] = [];
  for (const object of objects) {
    const isBinding = isRbacObject(object, 'RoleBinding') || isRbacObject(object, 'ClusterRoleBinding');
    if (!isBinding || !Array.isArray(object.subjects)) {
      out.push(object);
      continue;
    }
    const namespace = object.kind === 'RoleBinding' ? (object.metadata.namespace ?? '') : '';
    const subjects = (object.subjects as Subject[]).filter((entry) => {
      const bound = typeof entry?.kind === 'string' && typeof entry?.name === 'string' ? boundSubject(entry, namespace) : undefined;
      return !bound || subjectKey(bound) !== key;
    });
    if (subjects.length === object.subjects.length) out.push(object);
    else if (subjects.length > 0) out.push({ ...object, subjects });
  }
  return out;
}

/** The engine of the cluster (or nothing) without the subject's own bindings, with the generated objects applied. */
export function engineWith(generated: readonly KubeObject[], subject: SubjectRef, options: VerifyOptions): { engine: RbacEngine; baseline: RbacEngine; replaces: KubeObject[] } {
  const names = new Set(generated.map(identityKey));
  const cluster = options.cluster ? withoutOwnBindings(options.cluster.objects, subject) : [];
  const replaces = cluster.filter((object) => names.has(identityKey(object)) && object.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'kubeward');
  const kept = cluster.filter((object) => !names.has(identityKey(object)));
  const engineOptions: EngineOptions = options.cluster ? (options.engine ?? {}) : { builtinRoles: 'never' };
  return {
    engine: buildEngine(Inventory.of([...kept, ...generated]), engineOptions),
    baseline: buildEngine(Inventory.of(cluster), engineOptions),
    replaces,
  };
}

function combined(request: ObservedRequest): string {
  const { resource, subresource } = request.attributes;
  return subresource ? `${resource}/${subresource}` : (resource ?? '');
}

/** Is the observed request an instance of the permission that made a risk check hold? */
function needs(request: ObservedRequest, match: CheckMatch): boolean {
  const attributes = request.attributes;
  if (attributes.path !== undefined) return false;
  return (
    attributes.verb === match.verb &&
    (attributes.apiGroup ?? '') === match.resource.group &&
    combined(request) === match.resource.resource &&
    grantApplies(match.grant, attributes.namespace ?? '') &&
    ruleAllows(attributes, match.rule)
  );
}

export function verifyGenerated(generated: GeneratedRbac, subject: SubjectRef, identity: Identity, requests: readonly ObservedRequest[], options: VerifyOptions = {}): RbacVerification {
  const { engine, baseline, replaces } = engineWith(generated.objects, subject, options);
  const notAllowed = requests.filter((request) => !engine.can(identity, request.attributes).allowed);
  const written = new Set(generated.objects);
  // Risks over everything the subject holds with the roles applied (its groups' grants included), against
  // the same without them: a risk that needs a permission of the cluster and one of the roles is new too.
  const held = engine.grantsFor(identity);
  const heldBefore = baseline.grantsFor(identity);
  const risks: NeededRisk[] = [];
  const unjustified: RiskDefinition[] = [];
  for (const risk of riskCatalogue(options)) {
    const hit = evaluateRisk(risk, subject, held);
    if (!hit) continue;
    const previous = evaluateRisk(risk, subject, heldBefore);
    const isNew = !previous || (hit.clusterWide && !previous.clusterWide) || (!previous.clusterWide && hit.namespaces.some((namespace) => !previous.namespaces.includes(namespace)));
    const ours = hit.matches.filter((match) => written.has(match.grant.binding.object));
    if (!isNew || ours.length === 0) continue;
    const neededBy = new Set<ObservedRequest>();
    let justified = true;
    for (const match of ours) {
      const needing = requests.filter((request) => needs(request, match));
      if (needing.length === 0) justified = false;
      for (const request of needing) neededBy.add(request);
    }
    if (!justified) unjustified.push(risk);
    else risks.push({ risk, severity: hit.severity, clusterWide: hit.clusterWide, namespaces: hit.namespaces, neededBy: [...neededBy] });
  }
  const before = escalationGraph(baseline, options);
  const after = escalationGraph(engine, options);
  const newPaths = ESCALATION_GOALS.flatMap((goal) => (before.pathFor(subject, goal) ? [] : (after.pathFor(subject, goal) ?? [])));
  return { notAllowed, risks, unjustified, newPaths, replaces };
}
