/** A Kubernetes object as parsed: plain JSON, never mutated after load. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** The label kubeward puts on objects it writes (generated NetworkPolicies, Roles, bindings). */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kubeward' } as const;
/** The annotation on a generated object saying what it was written for (a workload, a subject). */
export const GENERATED_FOR_ANNOTATION = 'kubeward.io/generated-for';

/** How findings, alerts and reports name an object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The reference findings carry, keys in the JSON contract's order: apiVersion, kind, namespace (when namespaced), name. */
export function refOf(object: KubeObject): ObjectRef {
  const namespace = object.metadata.namespace;
  return namespace
    ? { apiVersion: object.apiVersion, kind: object.kind, namespace, name: nameOf(object) }
    : { apiVersion: object.apiVersion, kind: object.kind, name: nameOf(object) };
}

export function nameOf(object: KubeObject): string {
  return object.metadata.name ?? (object.metadata.generateName ? `${object.metadata.generateName}*` : '<unnamed>');
}

/** `Kind ns/name` or `Kind name`: the one way objects are printed for humans. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Is this a Kubernetes object: a mapping with string apiVersion and kind, and a metadata mapping
 * whose name, generateName and namespace are strings when present?
 * Used by the loaders to skip (with a warning, notKubeObjectReason) documents that are not objects.
 */
export function isKubeObject(value: unknown): value is KubeObject {
  return notKubeObjectReason(value) === undefined;
}

/** The metadata fields every engine reads as text: the API server refuses an object where one is neither a string nor null. */
const STRING_METADATA = ['name', 'generateName', 'namespace'] as const;

/** Why a value is not a Kubernetes object kubeward can read (for the loaders' warnings), or undefined when it is one. */
export function notKubeObjectReason(value: unknown): string | undefined {
  if (!isRecord(value)) return 'no apiVersion and kind';
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') return 'no apiVersion and kind';
  if (typeof value.kind !== 'string' || value.kind === '') return 'no apiVersion and kind';
  if (value.metadata === undefined) return undefined;
  if (!isRecord(value.metadata)) return 'metadata is not a mapping';
  for (const field of STRING_METADATA) {
    const text = value.metadata[field];
    // null is absent, as Go decodes it (`name:` left empty by a template)
    if (text !== undefined && text !== null && typeof text !== 'string') return `metadata.${field} is ${valueKind(text)}, not a string: the API server refuses it`;
  }
  return undefined;
}

/** What a decoded YAML or JSON value is, in the words of messages: `a list`, `a mapping`, `a number`, `a string`, `a boolean`. */
export function valueKind(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function labelsOf(object: KubeObject): Record<string, string> {
  return object.metadata.labels ?? {};
}

export function annotationsOf(object: KubeObject): Record<string, string> {
  return object.metadata.annotations ?? {};
}
