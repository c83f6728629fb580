import jsYaml from 'js-yaml';
import type * as Yaml from 'yaml';
import type { Alias, Node as YamlNode, YAMLError } from 'yaml';
import { InputError } from '../core/errors.js';
import { CORE_SCHEMA, KUBERNETES_SCHEMA } from './yaml-schema.js';
import { lazyRequire } from '../core/lazy-require.js';

/** `yaml`: the alias-safe parser with positions, for documents with anchors and the fallback locator (loaded on first use). */
export const yaml = lazyRequire<typeof Yaml>('yaml');

/**
 * One YAML document to a plain value, for every YAML kubeward reads: manifests, the configuration,
 * detection and Falco rules, flows files.
 *
 * Speed: `js-yaml` parses about ten times faster than `yaml`'s document model, so it reads every
 * document that cannot hold an anchor or an alias (nothing there can expand).
 *
 * Safety: a document that may hold an alias is read by `yaml` into its syntax tree, and kubeward
 * builds the value itself, counting every node it decodes and how many of those come through an
 * alias (or a merge key), and refusing the document the moment aliases account for more than
 * Kubernetes allows: the rule of go-yaml, which the API server, kubectl and helm parse with (99% of
 * the decoded nodes up to 400,000, falling to 10% at 4,000,000 and beyond). The budget runs over a
 * whole stream, so a file of many documents cannot multiply it. Aliases are decoded into copies, as
 * Kubernetes does, so nothing downstream shares (or mutates) one object through two names.
 *
 * Errors never quote the input: it may be a Secret. They name the file, the line and the kind of
 * mistake, in words of kubeward's own.
 */

export type YamlSchemaName = 'kubernetes' | 'core';

/** What a stream has decoded so far: every node, and those that came through an alias. */
export interface ExpansionBudget {
  decoded: number;
  aliased: number;
}

export function expansionBudget(): ExpansionBudget {
  return { decoded: 0, aliased: 0 };
}

export interface YamlDocumentOptions {
  /** How the file is named in messages. */
  file: string;
  /** 1-based line of the text's first line in the file. */
  startLine?: number;
  /** The line errors about the whole document point at (its first significant line); default startLine. */
  contentLine?: number;
  /** `kubernetes`: YAML 1.1 scalars as sigs.k8s.io/yaml reads them (default). `core`: YAML 1.2 core. */
  schema?: YamlSchemaName;
  /** Shared by the documents of one stream; default a budget of this document alone. */
  budget?: ExpansionBudget;
}

/** Deeper than this is refused: no Kubernetes object nests this far, and js-yaml stops at 100. */
const MAX_DEPTH = 1000;

/** An anchor or alias can only start after whitespace, a flow indicator or `:` (a JSON-like key). */
const ANCHOR_OR_ALIAS = /(?:^|[\s[{,:])[&*][^\s,[\]{}]/m;

/**
 * Whether a document may hold an anchor or an alias. Most documents hold neither `&` nor `*` at all,
 * which a plain search tells faster than the pattern (it runs on every document of a stream).
 */
export function mayHaveAlias(text: string): boolean {
  return (text.includes('&') || text.includes('*')) && ANCHOR_OR_ALIAS.test(text);
}

/** Parses one YAML document (or a file that must be one). Throws InputError with file and line. */
export function parseYamlDocument(text: string, options: YamlDocumentOptions): unknown {
  if (mayHaveAlias(text)) return parseWithAliases(text, options);
  const schema = options.schema === 'core' ? CORE_SCHEMA : KUBERNETES_SCHEMA;
  try {
    return jsYaml.load(text, { schema, filename: options.file });
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) {
      const line = (options.startLine ?? 1) + (error.mark?.line ?? 0);
      throw new InputError(`${options.file}:${line}: invalid YAML: ${jsYamlReason(error.reason)}`);
    }
    if (error instanceof RangeError) throw new InputError(`${options.file}:${options.contentLine ?? options.startLine ?? 1}: invalid YAML: nesting too deep`);
    throw error;
  }
}

/**
 * The values of `count` documents of a stream read by one js-yaml call, with the Kubernetes schema:
 * documents without anchors or aliases, separated by `---` lines (see parseYamlStream). Undefined when
 * js-yaml refuses the text or finds another number of documents: the caller then reads them one by
 * one (parseYamlDocument), which gives each document's own error.
 */
export function parseYamlRun(text: string, count: number, file: string): unknown[] | undefined {
  try {
    const values = jsYaml.loadAll(text, undefined, { schema: KUBERNETES_SCHEMA, filename: file });
    return values.length === count ? values : undefined;
  } catch {
    return undefined;
  }
}

function parseWithAliases(text: string, options: YamlDocumentOptions): unknown {
  const lineCounter = new (yaml().LineCounter)();
  const startLine = options.startLine ?? 1;
  const where = `${options.file}:${options.contentLine ?? startLine}`;
  let parsed: ReturnType<typeof Yaml.parseDocument>;
  try {
    parsed =
      options.schema === 'core'
        ? yaml().parseDocument(text, { lineCounter, version: '1.2', schema: 'core', merge: true, uniqueKeys: true, prettyErrors: false })
        : yaml().parseDocument(text, {
            lineCounter,
            version: '1.1',
            schema: 'yaml-1.1',
            // As sigs.k8s.io/yaml: timestamps stay strings, so drop the 1.1 timestamp tag.
            customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
            merge: true,
            uniqueKeys: true,
            prettyErrors: false,
          });
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`${where}: invalid YAML: nesting too deep`);
    throw error;
  }
  const firstError = parsed.errors[0];
  if (firstError) {
    const line = startLine - 1 + (lineCounter.linePos(firstError.pos[0]).line || 1);
    throw new InputError(`${options.file}:${line}: invalid YAML: ${yamlErrorText(firstError)}`);
  }
  return new Builder(parsed.contents as YamlNode | null, options.budget ?? expansionBudget(), where).value();
}

/**
 * go-yaml's limit on alias expansion (decode.go, allowedAliasRatio): the share of decoded nodes
 * that may come through aliases, 99% for documents up to 400,000 nodes, falling linearly to 10% at
 * 4,000,000 and staying there.
 */
export function allowedAliasRatio(decoded: number): number {
  const low = 400_000;
  const high = 4_000_000;
  if (decoded <= low) return 0.99;
  if (decoded >= high) return 0.1;
  return 0.99 - (0.89 * (decoded - low)) / (high - low);
}

/** The syntax tree to a plain value, aliases and merge keys resolved into copies, expansion counted as it goes. */
class Builder {
  /** Each alias's node: the last anchor of its name before it, in document order. */
  private readonly targets = new Map<Alias, YamlNode>();
  /** Collections being built, to refuse an alias inside its own anchor. */
  private readonly open = new Set<YamlNode>();

  constructor(
    private readonly root: YamlNode | null,
    private readonly budget: ExpansionBudget,
    private readonly where: string,
  ) {
    this.resolveAliases();
  }

  value(): unknown {
    return this.root ? this.build(this.root, 0, false) : null;
  }

  /** Document order without following aliases (an explicit stack: nesting may be deep). */
  private resolveAliases(): void {
    const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
    const anchors = new Map<string, YamlNode>();
    const stack: unknown[] = this.root ? [this.root] : [];
    while (stack.length > 0) {
      const node = stack.pop();
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) this.targets.set(node, target);
        continue;
      }
      if (isPair(node)) {
        stack.push(node.value, node.key);
        continue;
      }
      if (isScalar(node) || isMap(node) || isSeq(node)) {
        if (node.anchor) anchors.set(node.anchor, node);
        if (!isScalar(node)) for (let index = node.items.length - 1; index >= 0; index--) stack.push(node.items[index]);
      }
    }
  }

  private count(viaAlias: boolean): void {
    const budget = this.budget;
    budget.decoded++;
    if (viaAlias) budget.aliased++;
    if (budget.aliased > 100 && budget.decoded > 1000 && budget.aliased / budget.decoded > allowedAliasRatio(budget.decoded)) {
      throw new InputError(
        `${this.where}: refused YAML: aliases expand to ${budget.aliased} of ${budget.decoded} nodes decoded, more than Kubernetes allows (an alias bomb?)`,
      );
    }
  }

  private build(node: unknown, depth: number, viaAlias: boolean): unknown {
    const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
    if (depth > MAX_DEPTH) throw new InputError(`${this.where}: invalid YAML: nesting too deep`);
    this.count(viaAlias);
    if (isAlias(node)) {
      const target = this.targets.get(node);
      if (!target) throw new InputError(`${this.where}: invalid YAML: an alias names no anchor before it`);
      if (this.open.has(target)) throw new InputError(`${this.where}: invalid YAML: an anchor contains an alias to itself`);
      return this.build(target, depth + 1, true);
    }
    if (isScalar(node)) return scalarValue(node.value);
    if (isSeq(node)) {
      this.open.add(node);
      const items = node.items.map((item) => (isPair(item) ? this.pairObject(item, depth + 1, viaAlias) : this.build(item, depth + 1, viaAlias)));
      this.open.delete(node);
      return items;
    }
    if (isMap(node)) {
      this.open.add(node);
      const object: Record<string, unknown> = {};
      const merged: Record<string, unknown>[] = [];
      for (const pair of node.items) {
        if (isMergeKey(pair.key)) {
          merged.push(...this.mergeSources(pair.value, depth + 1, viaAlias));
          continue;
        }
        setKey(object, keyString(this.build(pair.key, depth + 1, viaAlias)), this.build(pair.value, depth + 1, viaAlias));
      }
      // Explicit keys win over merged ones, and an earlier merged map over a later one (YAML merge key spec).
      for (const source of merged) for (const key of Object.keys(source)) if (!Object.prototype.hasOwnProperty.call(object, key)) setKey(object, key, source[key]);
      this.open.delete(node);
      return object;
    }
    if (isPair(node)) return this.pairObject(node, depth + 1, viaAlias);
    return null;
  }

  /** A single pair in a flow sequence (`[a: b]`) is a one-key mapping. */
  private pairObject(pair: { key: unknown; value: unknown }, depth: number, viaAlias: boolean): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    setKey(object, keyString(this.build(pair.key, depth, viaAlias)), this.build(pair.value, depth, viaAlias));
    return object;
  }

  /** `<<: *a` or `<<: [*a, *b]`: the mappings to merge, in order. */
  private mergeSources(value: unknown, depth: number, viaAlias: boolean): Record<string, unknown>[] {
    const { isSeq } = yaml();
    const sources = isSeq(value) ? value.items : [value];
    return sources.map((source) => {
      const built = this.build(source, depth, viaAlias);
      if (typeof built !== 'object' || built === null || Array.isArray(built)) throw new InputError(`${this.where}: invalid YAML: a merge key (<<) must name mappings`);
      return built as Record<string, unknown>;
    });
  }
}

function isMergeKey(key: unknown): boolean {
  const { isScalar } = yaml();
  return isScalar(key) && key.type === 'PLAIN' && typeof key.value === 'symbol';
}

/** `__proto__` is an ordinary key in YAML and JSON: define it, never assign it. */
function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function keyString(key: unknown): string {
  if (key === null || key === undefined) return '';
  return typeof key === 'object' ? JSON.stringify(key) : String(key);
}

/** `!!binary` decodes to bytes; as sigs.k8s.io/yaml, they become a string. */
function scalarValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'symbol') return value.description ?? '';
  return value;
}

/** What `yaml` found wrong, in words that never quote the input. */
const YAML_ERRORS: Record<YAMLError['code'], string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'a malformed anchor or alias name',
  BAD_COLLECTION_TYPE: 'a tag used on the wrong kind of collection',
  BAD_DIRECTIVE: 'a malformed directive',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchors and tags must come after the indicator',
  BAD_SCALAR_START: 'a plain value starts with a reserved character',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection used as an implicit key',
  BLOCK_IN_FLOW: 'a block collection inside a flow collection',
  DUPLICATE_KEY: 'duplicated mapping key',
  IMPOSSIBLE: 'malformed YAML',
  KEY_OVER_1024_CHARS: 'an implicit key longer than 1024 characters',
  MISSING_CHAR: 'a missing character (an unclosed quote or bracket, or a missing space, comma or colon)',
  MULTILINE_IMPLICIT_KEY: 'an implicit key spans lines',
  MULTIPLE_ANCHORS: 'a node with two anchors',
  MULTIPLE_DOCS: 'more than one document where one is expected',
  MULTIPLE_TAGS: 'a node with two tags',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too large to read',
  TAB_AS_INDENT: 'a tab used as indentation',
  TAG_RESOLVE_FAILED: 'a value that does not fit its tag, or an unknown tag',
  UNEXPECTED_TOKEN: 'an unexpected token',
};

function yamlErrorText(error: YAMLError): string {
  if (error.code === 'MISSING_CHAR' && /^Missing closing ['"]quote$/.test(error.message)) return 'a missing closing quote';
  return YAML_ERRORS[error.code] ?? 'malformed YAML';
}

/** js-yaml's reasons that quote the input (tag names, handles, alias names, prefixes), in words that do not. */
const JS_YAML_QUOTING: [RegExp, string][] = [
  [/^unknown tag\b/, 'an unknown tag'],
  [/^unacceptable node kind for\b/, 'a node of the wrong kind for its tag'],
  [/^cannot resolve a node with\b/, 'a value that does not fit its explicit tag'],
  [/^there is a previously declared suffix for\b/, 'a tag handle declared twice'],
  [/^undeclared tag handle\b/, 'an undeclared tag handle'],
  [/^unidentified alias\b/, 'an alias names no anchor'],
  [/^tag prefix is malformed\b/, 'a malformed tag prefix'],
  [/^tag name cannot contain such characters\b/, 'a tag name with characters a tag cannot hold'],
  [/^tag name is malformed\b/, 'a malformed tag name'],
];

/** js-yaml's reason without what it quotes of the input: known quoting reasons reworded, anything else cut where quoting starts. */
export function jsYamlReason(reason: string | undefined): string {
  const text = reason ?? 'malformed YAML';
  for (const [pattern, words] of JS_YAML_QUOTING) if (pattern.test(text)) return words;
  const quote = text.search(/["'!<`]|: /);
  return (quote < 0 ? text : text.slice(0, quote)).trim() || 'malformed YAML';
}
