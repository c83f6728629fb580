/**
 * Admission requests (the `request` of an AdmissionReview v1), built from an object the way the API
 * server would send it for a create, update or delete: kind, resource (the plural), namespace,
 * name, the user. Used by `policy test` for every rendered object and by the webhook as received.
 */
import { apiGroupOf, isRecord, type KubeObject } from '../core/object.js';
import { KNOWN_RESOURCES } from '../core/resources.js';
import type { Operation } from './model.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun?: boolean;
  options?: unknown;
}

/** The user `policy test` acts as when none is named: authenticated, in no powerful group. */
export const DEFAULT_TEST_USER: UserInfo = { username: 'kubeward-test-user', groups: ['system:authenticated'] };

const RESOURCE_BY_KIND = new Map<string, string>();
for (const [resource, known] of Object.entries(KNOWN_RESOURCES)) if (known.kind) RESOURCE_BY_KIND.set(`${known.group}/${known.kind}`, resource);

/** The plural resource of a kind: the built-in table, then CRDs' `names.plural`, then the lowercase plural guess. */
export function resourceOf(apiVersion: string, kind: string, crds: readonly KubeObject[] = []): string {
  const group = apiGroupOf(apiVersion);
  const known = RESOURCE_BY_KIND.get(`${group}/${kind}`);
  if (known) return known;
  for (const crd of crds) {
    const spec = crd.spec as { group?: string; names?: { kind?: string; plural?: string } } | undefined;
    if (spec?.group === group && spec.names?.kind === kind && spec.names.plural) return spec.names.plural;
  }
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

export function gvkOf(object: KubeObject): GroupVersionKind {
  const slash = object.apiVersion.indexOf('/');
  return { group: apiGroupOf(object.apiVersion), version: slash < 0 ? object.apiVersion : object.apiVersion.slice(slash + 1), kind: object.kind };
}

/** The request the API server would send to admit `object` (`oldObject` for an UPDATE or DELETE). */
export function requestFor(
  object: KubeObject,
  options: { operation?: Operation; user?: UserInfo; oldObject?: KubeObject; uid?: string; crds?: readonly KubeObject[] } = {},
): AdmissionRequest {
  const operation = options.operation ?? 'CREATE';
  const kind = gvkOf(object);
  const resource = { group: kind.group, version: kind.version, resource: resourceOf(object.apiVersion, object.kind, options.crds) };
  return {
    uid: options.uid ?? '00000000-0000-0000-0000-000000000000',
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    name: object.metadata.name ?? '',
    namespace: object.metadata.namespace ?? '',
    operation,
    userInfo: options.user ?? DEFAULT_TEST_USER,
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'CREATE' ? null : (options.oldObject ?? object),
    dryRun: false,
  };
}

/** Reads the `request` of an AdmissionReview; returns why it is not one, or the request. */
export function parseAdmissionRequest(value: unknown): AdmissionRequest | string {
  if (!isRecord(value)) return 'request must be an object';
  if (typeof value.uid !== 'string' || value.uid === '') return 'request.uid is required';
  if (!isRecord(value.kind) || typeof value.kind.kind !== 'string') return 'request.kind is required';
  if (!isRecord(value.resource) || typeof value.resource.resource !== 'string') return 'request.resource is required';
  if (!['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].includes(value.operation as string)) return 'request.operation must be CREATE, UPDATE, DELETE or CONNECT';
  const user = isRecord(value.userInfo) ? value.userInfo : {};
  const object = isRecord(value.object) ? (value.object as KubeObject) : null;
  const oldObject = isRecord(value.oldObject) ? (value.oldObject as KubeObject) : null;
  for (const item of [object, oldObject]) if (item && !isRecord(item.metadata)) item.metadata = {};
  return {
    ...(value as unknown as AdmissionRequest),
    name: typeof value.name === 'string' ? value.name : '',
    namespace: typeof value.namespace === 'string' ? value.namespace : '',
    userInfo: {
      username: typeof user.username === 'string' ? user.username : '',
      uid: typeof user.uid === 'string' ? user.uid : undefined,
      groups: Array.isArray(user.groups) ? user.groups.filter((group): group is string => typeof group === 'string') : [],
      extra: isRecord(user.extra) ? (user.extra as Record<string, string[]>) : undefined,
    },
    object,
    oldObject,
  };
}
