import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../../src/core/errors.js';
import { isEmptySelector, selectorError, selectorMatches, type LabelSelector } from '../../src/core/selector.js';
import { Inventory } from '../../src/core/inventory.js';
import { connectionList } from '../../src/netpol/connlist.js';
import { parseYamlDocument } from '../../src/load/yaml-document.js';
import { parseJson, parseYamlStream } from '../../src/load/yaml.js';

/**
 * Property-based fuzzing: whatever the text, the loaders either return objects or throw the
 * project's InputError, never anything else, and each input is done within a bound far above what
 * it takes (the inputs are small; a slow case would be an explosion, not noise).
 */
const BOUND_MS = 5000;

/** Only InputError may escape, and the call must end within the bound. Returns the value or undefined. */
function survives<T>(parse: () => T): T | undefined {
  const started = performance.now();
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    return undefined;
  } finally {
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  }
}

/** Characters that mean something to YAML, plus some that do not. */
const YAML_CHARS = fc.constantFrom(...'-:?,[]{}#&*!|>\'"%@`\\ \t\n\r\u0000\ufeffa1.<~=_Ué🟥'.split(''), '---\n', '...\n', '<<: ', '&a ', '*a', '!!binary ', '!!str ', '\\U', '\\x', '0x', '0o7');

/** A valid YAML rendering of a JSON value (anchors and aliases for repeated parts), then cut and spliced with YAML's own characters. */
const mutatedYaml = fc
  .tuple(fc.jsonValue({ maxDepth: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ unit: YAML_CHARS, maxLength: 6 })), { maxLength: 6 }))
  .map(([value, edits]) => {
    let text = stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: value, copy: value }, { aliasDuplicateObjects: true });
    for (const [at, remove, insert] of edits) {
      const position = text.length === 0 ? 0 : at % text.length;
      text = text.slice(0, position) + insert + text.slice(position + remove);
    }
    return text;
  });

describe('fuzzing the YAML and JSON loaders', () => {
  it('arbitrary text of YAML characters: objects or an InputError', () => {
    fc.assert(
      fc.property(fc.string({ unit: YAML_CHARS, maxLength: 300 }), (text) => {
        survives(() => parseYamlStream(text, { file: 'f.yaml' }));
        survives(() => parseYamlDocument(text, { file: 'f.yaml', schema: 'core' }));
      }),
      { numRuns: 1500 },
    );
  });

  it('mutated manifests, anchors and merge keys included: objects or an InputError, and locating any found object works', () => {
    fc.assert(
      fc.property(mutatedYaml, (text) => {
        const result = survives(() => parseYamlStream(text, { file: 'f.yaml' }));
        for (const entry of result?.objects ?? []) {
          const line = entry.provenance.locate?.(['data', 0, 'x']);
          expect(line === undefined || (Number.isInteger(line) && line >= 1)).toBe(true);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('arbitrary and mutated JSON: objects or an InputError', () => {
    const jsonish = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'{}[]":,\\ \n\tu0123456789abcdefnrtl-+.eE'.split('')), maxLength: 200 }),
      fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.nat({ max: 3 })).map(([value, at, cut]) => {
        const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: value }] }, null, 1);
        const position = at % text.length;
        return text.slice(0, position) + text.slice(position + cut);
      }),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        const result = survives(() => parseJson(text, { file: 'f.json' }));
        for (const entry of result?.objects ?? []) entry.provenance.locate?.(['metadata', 'name']);
      }),
      { numRuns: 1500 },
    );
  });
});

/** Selectors as manifests write them, and as attackers do: any JSON where a selector goes. */
const selectorish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      matchLabels: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null))), fc.jsonValue({ maxDepth: 1 })),
      matchExpressions: fc.oneof(
        fc.array(
          fc.record(
            { key: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), operator: fc.oneof(fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'in', ''), fc.jsonValue({ maxDepth: 1 })), values: fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })) },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    },
    { requiredKeys: [] },
  ),
);

describe('fuzzing the label-selector parser', () => {
  it('validates any value without throwing, and a selector it accepts matches any labels without throwing', () => {
    fc.assert(
      fc.property(selectorish, fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), (selector, labels) => {
        const error = selectorError(selector);
        expect(error === undefined || typeof error === 'string').toBe(true);
        if (error === undefined) {
          expect(typeof selectorMatches(selector as LabelSelector, labels)).toBe('boolean');
          expect(typeof isEmptySelector(selector as LabelSelector)).toBe('boolean');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads NetworkPolicies with any selectors, peers and ports: a connection list or an InputError', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 80 }] }] } };
    const peer = fc.record({ podSelector: selectorish, namespaceSelector: selectorish, ipBlock: fc.oneof(fc.record({ cidr: fc.constantFrom('10.0.0.0/8', '0.0.0.0/0', '::/0', 'x', '10.0.0.0/33'), except: fc.array(fc.constantFrom('10.1.0.0/16', '10.0.0.0/8', 'y', '11.0.0.0/8'), { maxLength: 2 }) }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] });
    const port = fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', 'tcp', 7), port: fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.constantFrom('http', 'x'.repeat(20), '')), endPort: fc.integer({ min: -1, max: 70000 }) }, { requiredKeys: [] });
    const rules = fc.array(fc.record({ from: fc.array(peer, { maxLength: 3 }), to: fc.array(peer, { maxLength: 3 }), ports: fc.array(port, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 3 });
    const policy = fc.record({ podSelector: selectorish, policyTypes: fc.oneof(fc.constant(['Ingress', 'Egress']), fc.jsonValue({ maxDepth: 1 })), ingress: fc.oneof(rules, fc.jsonValue({ maxDepth: 1 })), egress: rules }, { requiredKeys: [] });
    fc.assert(
      fc.property(policy, (spec) => {
        const networkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'a' }, spec };
        const inventory = new Inventory([pod, networkPolicy].map((object) => ({ object, provenance: { origin: 'file' as const, file: 'f.yaml' } })));
        survives(() => connectionList(inventory));
      }),
      { numRuns: 400 },
    );
  });
});
