import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { loadFalcoRules } from '../../src/detect/falco.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { parseFlows } from '../../src/netpol/flows.js';
import { allowedAliasRatio, parseYamlDocument } from '../../src/load/yaml-document.js';
import { parseYamlStream } from '../../src/load/yaml.js';

/** Expansion bombs that stay under any alias *count*: only a bound on what they expand to stops them. */
const mergeBomb = () => {
  const lines = ['apiVersion: v1', 'kind: List', 'base: &base'];
  for (let key = 0; key < 2000; key++) lines.push(`  k${key}: v${key}`);
  lines.push('items:');
  for (let copy = 0; copy < 999; copy++) lines.push(`- apiVersion: v1`, `  kind: ConfigMap`, `  metadata: {name: c${copy}}`, `  data:`, `    <<: *base`);
  return lines.join('\n');
};

const containerBomb = () => {
  const lines = ['apiVersion: v1', 'kind: List', 'items:', '- apiVersion: apps/v1', '  kind: Deployment', '  metadata: {name: d0}', '  spec:', '    template:', '      spec:', '        containers: &c'];
  for (let index = 0; index < 1000; index++) lines.push(`        - {name: c${index}, image: x, securityContext: {privileged: true}}`);
  for (let copy = 1; copy < 1000; copy++) lines.push(`- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d${copy}}, spec: {template: {spec: {containers: *c}}}}`);
  return lines.join('\n');
};

/** The classic 9^9 bomb, as a rules file (list items) in about 600 bytes. */
const rulesBomb = () => {
  const lines = ['- list: l0', '  items: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) lines.push(`- list: l${level}`, `  items: &a${level} [${Array(9).fill(`*a${level - 1}`).join(',')}]`);
  return lines.join('\n') + '\n';
};

function refused(parse: () => unknown): string {
  const heap = process.memoryUsage().heapUsed;
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    // Refused while decoding: nowhere near the gigabytes the expansion would take.
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(256 * 1024 * 1024);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('expansion is bounded by what it expands to, for every YAML kubeward reads', () => {
  it('refuses merge keys over a 2,000-key map merged 999 times', () => {
    expect(refused(() => parseYamlStream(mergeBomb(), { file: 'm.yaml' }))).toMatch(/^m\.yaml:1: refused YAML: aliases expand to \d+ of \d+ nodes decoded, more than Kubernetes allows/);
  });

  it('refuses one anchor of 1,000 privileged containers aliased 999 times', () => {
    expect(refused(() => parseYamlStream(containerBomb(), { file: 'c.yaml' }))).toMatch(/^c\.yaml:1: refused YAML/);
  });

  it('refuses a 600-byte alias bomb in --rules, --falco-rules, flows and the configuration', () => {
    const text = rulesBomb();
    expect(text.length).toBeLessThan(700);
    expect(refused(() => loadKubewardRules([{ name: 'r.yaml', text }]))).toMatch(/^r\.yaml:1: refused YAML/);
    expect(refused(() => loadFalcoRules([{ name: 'f.yaml', text }], { fields: FIELD_TABLES.audit, matching: 'first' }))).toMatch(/^f\.yaml:1: refused YAML/);
    expect(refused(() => parseFlows(`connections: &x [${text.replace(/\n/g, ' ')}]`, 'flows.yaml'))).toMatch(/refused YAML|invalid YAML/);
    expect(refused(() => parseYamlDocument(`a: ${text.split('\n')[1].trim().slice(7)}\n${text.split('\n').slice(2).join('\n').replace(/^- list: (\w+)\n {2}items:/gm, '$1:')}`, { file: 'c.yaml', schema: 'core' }))).toMatch(/^c\.yaml:1: refused YAML/);
  });

  it('spreads the budget over a stream: many documents cannot multiply it', () => {
    // Each document alone is within the ratio; together they are one stream of mostly aliases.
    const document = (index: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${index}}\ndata:\n  a: &a {${Array.from({ length: 40 }, (_, key) => `k${key}: v`).join(', ')}}\n  b: [${Array(60).fill('*a').join(',')}]\n`;
    const stream = Array.from({ length: 200 }, (_, index) => document(index)).join('---\n');
    expect(() => parseYamlStream(document(0), { file: 's.yaml' })).not.toThrow();
    expect(refused(() => parseYamlStream(stream, { file: 's.yaml' }))).toMatch(/^s\.yaml:\d+: refused YAML/);
  });

  it('keeps what hand-written manifests do with anchors: shared env blocks, merged labels, copies not references', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, labels: &labels {app: web, tier: front}}',
      'spec:',
      '  selector: {matchLabels: *labels}',
      '  template:',
      '    metadata: {labels: {<<: *labels, extra: "1"}}',
      '    spec:',
      '      containers:',
      '      - {name: a, image: x, env: &env [{name: A, value: "1"}, {name: B, value: "2"}]}',
      '      - {name: b, image: y, env: *env}',
    ].join('\n');
    const object = parseYamlStream(text, { file: 'd.yaml' }).objects[0].object as Record<string, any>;
    expect(object.spec.template.metadata.labels).toEqual({ app: 'web', tier: 'front', extra: '1' });
    expect(object.spec.template.spec.containers[1].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(object.spec.template.spec.containers[1].env).not.toBe(object.spec.template.spec.containers[0].env);
    expect(object.spec.selector.matchLabels).not.toBe(object.metadata.labels);
  });

  it('follows merge-key precedence: explicit keys win, then the earlier merged map', () => {
    const value = parseYamlDocument('a: &a {p: 1, q: 1}\nb: &b {q: 2, r: 2}\nc: {p: 0, <<: [*a, *b]}\n', { file: 'm.yaml' }) as Record<string, unknown>;
    expect(value.c).toEqual({ p: 0, q: 1, r: 2 });
    // The fast parser (no anchors) merges inline maps the same way.
    expect(parseYamlDocument('c: {p: 0, <<: {p: 1, q: 1}}\n', { file: 'm.yaml' })).toEqual({ c: { p: 0, q: 1 } });
  });

  it('refuses an alias inside its own anchor', () => {
    expect(refused(() => parseYamlDocument('a: &a [1, *a]\n', { file: 'r.yaml' }))).toMatch(/^r\.yaml:1: invalid YAML: an anchor contains an alias to itself/);
  });

  it.each([
    [0, 0.99],
    [400_000, 0.99],
    [2_200_000, 0.545],
    [4_000_000, 0.1],
    [40_000_000, 0.1],
  ])('allows the share go-yaml allows at %i nodes', (decoded, ratio) => {
    expect(allowedAliasRatio(decoded)).toBeCloseTo(ratio, 6);
  });
});
