import type { KubeObject } from './object.js';
import type { Provenance } from './provenance.js';
import { scopeResolver, type ScopeResolver } from './scope.js';

/**
 * The set of objects from one or more sources, indexed once. Objects are shared, never copied:
 * engines receive the same KubeObject references the loaders produced.
 *
 * Objects are read-only once loaded. What the rules and engines work out about an object is kept
 * against the object itself for as long as it lives (its pod template and containers, its main
 * container, its findings' reference and fingerprint identity: WeakMaps in core/workload.ts,
 * core/tokens.ts and rules/engine.ts), so a library user who changes an object and scans again would
 * get answers about the object as it was: build a new object (and Inventory) instead.
 */
export class Inventory {
  readonly objects: readonly KubeObject[];
  readonly scopeOf: ScopeResolver;
  private readonly provenance: Map<KubeObject, Provenance>;
  private readonly kindIndex = new Map<string, KubeObject[]>();
  /** Made when first asked for: a scan never asks. */
  private namespaceIndex: Map<string, KubeObject[]> | undefined;
  /**
   * By kind, namespace (`''` for cluster-scoped objects) and name: the manifests' own strings, no key
   * built per lookup. A kind's index is made when it is first looked up (a scan looks up few kinds).
   */
  private readonly nameIndex = new Map<string, Map<string, Map<string, KubeObject>>>();

  constructor(entries: readonly { object: KubeObject; provenance?: Provenance }[]) {
    this.objects = entries.map((entry) => entry.object);
    this.provenance = new Map();
    for (const { object, provenance } of entries) {
      if (provenance) this.provenance.set(object, provenance);
      push(this.kindIndex, object.kind, object);
    }
    // Only CustomResourceDefinitions declare scopes.
    this.scopeOf = scopeResolver(this.byKind('CustomResourceDefinition'));
  }

  static of(objects: readonly KubeObject[]): Inventory {
    return new Inventory(objects.map((object) => ({ object })));
  }

  get size(): number {
    return this.objects.length;
  }

  provenanceOf(object: KubeObject): Provenance | undefined {
    return this.provenance.get(object);
  }

  byKind(...kinds: string[]): KubeObject[] {
    if (kinds.length === 1) return this.kindIndex.get(kinds[0]) ?? [];
    return kinds.flatMap((kind) => this.kindIndex.get(kind) ?? []);
  }

  /** Objects whose metadata.namespace is `namespace` (`''` for cluster-scoped ones). */
  inNamespace(namespace: string): KubeObject[] {
    return this.byNamespace().get(namespace) ?? [];
  }

  private byNamespace(): Map<string, KubeObject[]> {
    if (!this.namespaceIndex) {
      this.namespaceIndex = new Map();
      for (const object of this.objects) push(this.namespaceIndex, object.metadata.namespace ?? '', object);
    }
    return this.namespaceIndex;
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return (this.nameIndex.get(kind) ?? this.indexNames(kind)).get(namespace ?? '')?.get(name);
  }

  /** The first object of each name, in inventory order. */
  private indexNames(kind: string): Map<string, Map<string, KubeObject>> {
    const byNamespace = new Map<string, Map<string, KubeObject>>();
    for (const object of this.byKind(kind)) {
      const name = object.metadata.name;
      if (!name) continue;
      const namespace = object.metadata.namespace ?? '';
      let byName = byNamespace.get(namespace);
      if (!byName) byNamespace.set(namespace, (byName = new Map()));
      if (!byName.has(name)) byName.set(name, object);
    }
    this.nameIndex.set(kind, byNamespace);
    return byNamespace;
  }

  /** Every namespace the inventory knows: declared Namespace objects and namespaces objects live in. */
  namespaces(): string[] {
    const names = new Set<string>();
    for (const namespace of this.byKind('Namespace')) if (namespace.metadata.name) names.add(namespace.metadata.name);
    for (const key of this.byNamespace().keys()) if (key) names.add(key);
    return [...names].sort();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
