/**
 * The CEL `authorizer` answered by kubeward's RBAC engine over the inventory: what RBAC would
 * decide for the request's user (or a ServiceAccount) given the roles and bindings kubeward knows.
 */
import type { RbacEngine } from '../rbac/engine.js';
import { userIdentity } from '../rbac/subject.js';
import type { Authorize } from './cel/authz.js';

export function rbacAuthorize(engine: RbacEngine): Authorize {
  return (user, attributes) => {
    const identity = { ...userIdentity(user.username), groups: [...new Set([...user.groups])] };
    const decision = engine.can(identity, {
      verb: attributes.verb,
      namespace: attributes.namespace ?? '',
      apiGroup: attributes.apiGroup,
      resource: attributes.resource,
      subresource: attributes.subresource,
      name: attributes.name,
      path: attributes.path,
    });
    if (decision.privileged) return { decision: 'allow', reason: '' };
    const first = decision.reasons[0];
    if (!first) return { decision: 'noOpinion', reason: '' };
    const binding = first.binding;
    const where = binding.namespace ? ` in namespace "${binding.namespace}"` : '';
    return { decision: 'allow', reason: `RBAC: allowed by ${binding.kind} "${binding.name}" of ${first.role.kind} "${first.role.name}" to ${user.username}${where}` };
  };
}
