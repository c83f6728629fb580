import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { LabelSelector } from '../core/selector.js';
import { parseAdminPolicy, type AdminPolicyModel } from './anp.js';
import { parseNetworkPolicy, type NetworkPolicyModel } from './policy.js';
import type { PolicyProblem } from './validation.js';

/** Every policy of an inventory, parsed: the valid ones in evaluation order, the rejected ones with why. */
export interface Policies {
  networkPolicies: NetworkPolicyModel[];
  /** NetworkPolicies by namespace: a policy only ever selects pods of its own namespace. */
  byNamespace: Map<string, NetworkPolicyModel[]>;
  /** AdminNetworkPolicies by priority (lower first), ties by name. */
  admin: AdminPolicyModel[];
  baseline?: AdminPolicyModel;
  /** Policies the API server would reject: left out of the analysis. */
  invalid: { object: KubeObject; problems: PolicyProblem[] }[];
  warnings: string[];
}

export function readPolicies(inventory: Inventory): Policies {
  const policies: Policies = { networkPolicies: [], byNamespace: new Map(), admin: [], invalid: [], warnings: [] };
  const seen = new Set<string>();
  const firstOnly = (key: string, what: string): boolean => {
    if (seen.has(key)) {
      policies.warnings.push(`${what} appears more than once: only the first is analysed`);
      return false;
    }
    seen.add(key);
    return true;
  };
  for (const object of inventory.byKind('NetworkPolicy')) {
    const { model, problems } = parseNetworkPolicy(object);
    if (!model) {
      policies.invalid.push({ object, problems });
      continue;
    }
    if (!firstOnly(`np/${model.namespace}/${model.name}`, `NetworkPolicy ${model.namespace}/${model.name}`)) continue;
    policies.networkPolicies.push(model);
    const list = policies.byNamespace.get(model.namespace);
    if (list) list.push(model);
    else policies.byNamespace.set(model.namespace, [model]);
  }
  for (const object of inventory.byKind('AdminNetworkPolicy', 'BaselineAdminNetworkPolicy')) {
    const { model, problems } = parseAdminPolicy(object);
    if (!model) {
      policies.invalid.push({ object, problems });
      continue;
    }
    if (!firstOnly(`${model.kind}/${model.name}`, `${model.kind} ${model.name}`)) continue;
    if (model.kind === 'BaselineAdminNetworkPolicy') policies.baseline = model;
    else policies.admin.push(model);
  }
  policies.admin.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let index = 1; index < policies.admin.length; index++) {
    const [before, after] = [policies.admin[index - 1], policies.admin[index]];
    if (before.priority === after.priority) {
      policies.warnings.push(`AdminNetworkPolicies ${before.name} and ${after.name} share priority ${after.priority}: their order is undefined in Kubernetes; kubeward evaluates them by name`);
    }
  }
  return policies;
}

/**
 * Every distinct pod selector and port name the policies use: what the engine must tell pods apart
 * by (peers.ts PolicySignature). Selectors are deduplicated by content, so a thousand policies built
 * from one template cost one selector.
 */
export function selectorsAndPortNames(policies: Policies): { podSelectors: LabelSelector[]; portNames: string[] } {
  const selectors = new Map<string, LabelSelector>();
  const names = new Set<string>();
  const addSelector = (selector: LabelSelector | undefined) => {
    if (selector) selectors.set(JSON.stringify(selector), selector);
  };
  for (const policy of policies.networkPolicies) {
    addSelector(policy.podSelector);
    for (const rule of [...policy.rules.ingress, ...policy.rules.egress]) {
      for (const peer of rule.peers ?? []) if (peer.type === 'pods') addSelector(peer.podSelector);
      for (const port of rule.ports ?? []) if (typeof port.port === 'string') names.add(port.port);
    }
  }
  for (const policy of policies.baseline ? [...policies.admin, policies.baseline] : policies.admin) {
    for (const selection of [policy.subject, ...policy.rules.ingress.flatMap((rule) => rule.peers), ...policy.rules.egress.flatMap((rule) => rule.peers)]) {
      if (selection.type === 'pods') addSelector(selection.podSelector);
    }
    for (const rule of [...policy.rules.ingress, ...policy.rules.egress]) for (const port of rule.ports ?? []) if (port.type === 'name') names.add(port.name);
  }
  return { podSelectors: [...selectors.values()], portNames: [...names].sort() };
}
