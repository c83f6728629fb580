import { compareStrings } from '../core/order.js';
import { severityRank, type Severity } from '../core/severity.js';
import { evaluateRisks, goalTitle, pathLabels, type RbacEngine, type RiskHit } from '../rbac/index.js';
import { describeSubject, subjectKey } from '../rbac/subject.js';
import type { BindingDef, RoleDef } from '../rbac/model.js';
import { MAX_GRAPH_BINDINGS_PER_SUBJECT, MAX_GRAPH_SUBJECTS, type RbacGraph, type RbacNode } from './model.js';

/**
 * The RBAC graph: every subject holding a risky permission, through the bindings and roles that
 * grant it, to the risk. The subjects with an escalation path come first, then by their worst
 * severity; the links of a risk that starts the subject's escalation path are marked.
 */
export function rbacGraph(engine: RbacEngine): RbacGraph {
  const bySubject = new Map<string, RiskHit[]>();
  for (const hit of evaluateRisks(engine)) {
    const key = subjectKey(hit.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), hit]);
  }
  const worst = (hits: RiskHit[]) => Math.min(...hits.map((hit) => severityRank(hit.severity)));
  const escalates = (hits: RiskHit[]) => (hits.some((hit) => hit.path?.goal === 'cluster-admin') ? 0 : hits.some((hit) => hit.path) ? 1 : 2);
  const ranked = [...bySubject.values()].sort(
    (a, b) => escalates(a) - escalates(b) || worst(a) - worst(b) || b.length - a.length || compareStrings(describeSubject(a[0].subject), describeSubject(b[0].subject)),
  );
  const shown = ranked.slice(0, MAX_GRAPH_SUBJECTS);
  const nodes = new Map<string, RbacNode>();
  const links = new Map<string, RbacGraph['links'][number]>();
  const link = (source: string, target: string, escalation: boolean) => {
    const key = `${source}\u0000${target}`;
    const existing = links.get(key);
    if (existing) existing.escalation ||= escalation;
    else links.set(key, { source, target, escalation });
  };
  for (const hits of shown) {
    const subject = hits[0].subject;
    const subjectId = `subject:${subjectKey(subject)}`;
    const path = hits.find((hit) => hit.path?.goal === 'cluster-admin')?.path ?? hits.find((hit) => hit.path)?.path;
    nodes.set(subjectId, {
      id: subjectId,
      type: 'subject',
      label: describeSubject(subject),
      namespace: subject.namespace ?? '',
      severity: worstSeverity(hits),
      ...(path ? { escalation: { goal: goalTitle(path.goal), steps: pathLabels(path) } } : {}),
    });
    const drawn = new Set<string>();
    const bindings = new Set<string>();
    // the most severe risks first, the one that starts the escalation path before all
    const ordered = [...hits].sort((a, b) => Number(startsPath(b, path)) - Number(startsPath(a, path)) || severityRank(a.severity) - severityRank(b.severity));
    for (const hit of ordered) {
      const permissionId = `permission:${hit.risk.id}`;
      const permission = nodes.get(permissionId);
      if (!permission || severityRank(hit.severity) < severityRank(permission.severity ?? 'info')) {
        nodes.set(permissionId, { id: permissionId, type: 'permission', label: hit.risk.title, namespace: '', severity: hit.severity });
      }
      const onPath = startsPath(hit, path);
      for (const match of hit.matches) {
        const bindingId = `binding:${refKey(match.grant.binding)}`;
        bindings.add(bindingId);
        if (!drawn.has(bindingId) && drawn.size >= MAX_GRAPH_BINDINGS_PER_SUBJECT) continue;
        drawn.add(bindingId);
        const roleId = `role:${refKey(match.grant.role)}`;
        if (!nodes.has(bindingId)) nodes.set(bindingId, { id: bindingId, type: 'binding', label: `${match.grant.binding.kind} ${match.grant.binding.name}`, namespace: match.grant.binding.namespace ?? '' });
        if (!nodes.has(roleId)) nodes.set(roleId, { id: roleId, type: 'role', label: `${match.grant.role.kind} ${match.grant.role.name}`, namespace: match.grant.role.namespace ?? '' });
        link(subjectId, bindingId, onPath);
        link(bindingId, roleId, onPath);
        link(roleId, permissionId, onPath);
      }
    }
    if (bindings.size > drawn.size) nodes.get(subjectId)!.moreBindings = bindings.size - drawn.size;
  }
  return { nodes: [...nodes.values()], links: [...links.values()], subjects: ranked.length, shownSubjects: shown.length };
}

function startsPath(hit: RiskHit, path: RiskHit['path']): boolean {
  return Boolean(path && hit.risk.primitives?.includes(path.steps[0]?.primitive));
}

function worstSeverity(hits: readonly RiskHit[]): Severity {
  return hits.reduce<Severity>((worst, hit) => (severityRank(hit.severity) < severityRank(worst) ? hit.severity : worst), 'info');
}

function refKey(ref: BindingDef | RoleDef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
