/**
 * How Kubernetes names a ServiceAccount as a user (k8s.io/apiserver serviceaccount.MakeUsername and
 * SplitUsername): the one spelling the RBAC engine and the audit-log detection share.
 */
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** serviceaccount.MakeUsername: `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** serviceaccount.SplitUsername: `system:serviceaccount:NS:NAME` → {namespace, name}; anything else (a name with `:`) → undefined. */
export function parseServiceAccountUsername(username: unknown): { namespace: string; name: string } | undefined {
  if (typeof username !== 'string' || !username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  const name = rest.slice(colon + 1);
  if (name.includes(':')) return undefined;
  return { namespace: rest.slice(0, colon), name };
}
