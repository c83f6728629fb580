import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathSegment } from '../../src/core/provenance.js';
import { BlockIndex, FALLBACK, locateBlockYaml } from '../../src/load/locate.js';
import { jsonLocator } from '../../src/load/locate-json.js';
import { documentLocator, parserLocator, splitDocuments } from '../../src/load/yaml.js';
import { corpusPath } from '../helpers/corpus.js';
import jsYaml from 'js-yaml';

/** Every path to every node of a value, plus one missing child under each mapping (the locator must stop where the path stops existing). */
function pathsOf(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) pathsOf(child, [...prefix, key], out);
    out.push([...prefix, 'no-such-field', 0]);
  }
  return out;
}

function yamlFiles(directory: string, limit: number): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (files.length >= limit) return;
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  walk(directory);
  return files;
}

/**
 * The indentation locator must agree with `yaml`'s document model on every node of real manifests,
 * whenever it answers at all (FALLBACK hands the question to the parser).
 */
describe('locateBlockYaml agrees with the yaml document model', () => {
  const sources = [
    ...yamlFiles(corpusPath('netpol-analyzer'), 400),
    ...yamlFiles(corpusPath('rbac-bootstrap'), 50),
    ...yamlFiles(corpusPath('pod-security'), 300),
    ...yamlFiles(join(__dirname, '../fixtures'), 50).filter((file) => !file.includes('/templates/')),
  ];

  it(`on every node of ${sources.length} corpus files`, () => {
    let compared = 0;
    let fellBack = 0;
    const disagreements: string[] = [];
    for (const [fileIndex, file] of sources.entries()) {
      for (const document of splitDocuments(readFileSync(file, 'utf8'))) {
        const lines = document.text.split('\n');
        // The parser's model of a dump-sized document is slow to build: ordinary documents only.
        if (lines.length > 2000) continue;
        const index = new BlockIndex();
        let value: unknown;
        try {
          value = jsYaml.load(document.text);
        } catch {
          continue;
        }
        const byParser = parserLocator(document.text);
        // Every eighth file also as JSON (a kubectl -o json dump): the scanner agrees with the parser on every node.
        const json = fileIndex % 8 === 0 ? JSON.stringify(value, null, 2) : undefined;
        const byJsonScanner = json === undefined ? undefined : jsonLocator(json);
        const byJsonParser = json === undefined ? undefined : parserLocator(json);
        for (const path of pathsOf(value)) {
          const fast = locateBlockYaml(document.text, path, index);
          if (byJsonScanner && byJsonParser) {
            const inJson = byJsonScanner(path);
            if (inJson !== byJsonParser(path) && disagreements.length < 10) disagreements.push(`${file}:${document.startLine} as JSON ${path.join('.')}: ${String(inJson)} vs ${byJsonParser(path)}`);
          }
          if (fast === FALLBACK) {
            fellBack++;
            continue;
          }
          compared++;
          const expected = byParser(path);
          if (fast !== expected && disagreements.length < 10) disagreements.push(`${file}:${document.startLine} ${path.join('.')}: ${fast} vs ${expected}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    // The fast path must actually carry the load, or it is not worth having.
    expect(compared).toBeGreaterThan(50_000);
    expect(fellBack / (compared + fellBack)).toBeLessThan(0.2);
  });

  it.each([
    ['a compact sequence at the key column', 'spec:\n  containers:\n  - name: a\n  - name: b\n    image: x\n', ['spec', 'containers', 1, 'image'], 4],
    ['an item whose content starts on the next line', 'items:\n-\n  name: a\n- name: b\n', ['items', 0, 'name'], 2],
    ['quoted keys', '"a b": {x: 1}\n\'c\': 2\n', ['c'], 1],
    ['comments and blank lines inside blocks', 'a:\n# note\n\n  b:\n    # inner\n    c: 1\n', ['a', 'b', 'c'], 5],
    ['a block scalar is not a mapping', 'a: |\n  b: 1\nc: 2\n', ['a', 'b'], 0],
    ['a nested sequence on the dash line', 'a:\n- - x\n  - y\n', ['a', 0, 1], 2],
    ['keys holding a colon, blanks before the colon, a colon-ended value', 'a  : {x: 1}\nb:c: 2\nurl: http://x:80\nb: 3\n', ['b'], 3],
    ['a key with blanks before its colon', 'a  :\n  b: 1\n', ['a', 'b'], 1],
    ['CRLF line endings', 'a:\r\n  b:\r\n    c: 1\r\n', ['a', 'b', 'c'], 2],
    ['a comment after a block key', 'a: # note\n  b: 1\n', ['a', 'b'], 1],
    ['a tab before the value', 'a:\t{b: 1}\nc:\t2\n', ['c'], 1],
    ['no line break after the last line', 'a:\n  b:\n  - c: 1\n    d: 2', ['a', 'b', 0, 'd'], 3],
    ['a CRLF after a lone dash and a key', 'a:\r\n-\r\n  b: 1\r\n- c:\r\n    d: 2\r\n', ['a', 1, 'c', 'd'], 4],
    ['a flow collection closing on a CRLF line', 'a: {b: 1}\r\nc:\r\n  d: [x, "]"]\r\n', ['c', 'd', 1], 2],
  ])('%s', (_name, text, path, line) => {
    const fast = locateBlockYaml(text, path as PathSegment[]);
    expect(fast).toBe(line);
    expect(parserLocator(text)(path as PathSegment[])).toBe(line);
  });

  it('answers questions on a dump of thousands of objects from its index, as the parser would, however often asked', () => {
    const items = Array.from({ length: 1000 }, (_, index) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${index}`, labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
    const text = jsYaml.dump({ apiVersion: 'v1', kind: 'List', items });
    const index = new BlockIndex();
    const byParser = parserLocator(text);
    for (const item of [0, 1, 499, 999, 499, 0]) {
      for (const path of [['items', item], ['items', item, 'metadata', 'labels', 'app'], ['items', item, 'spec', 'containers', 0, 'image'], ['items', item, 'spec', 'nodeName']] as PathSegment[][]) {
        expect(locateBlockYaml(text, path, index)).toBe(byParser(path));
      }
    }
    expect(locateBlockYaml(text, ['items', 1000], index)).toBe(byParser(['items', 1000]));
  });

  it('answers any sequence of questions on one index as it answers each alone (walks go on from the last one) (property)', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels: {app: web}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      - name: app',
      '        image: nginx',
      '        env:',
      '        - name: A',
      '          valueFrom:',
      '            secretKeyRef: {name: s, key: k}',
      '      - name: side',
      '        securityContext:',
      '          privileged: true',
      '      volumes: [{name: v}]',
    ].join('\n');
    const segment = fc.constantFrom<PathSegment>('spec', 'template', 'containers', 'metadata', 'labels', 'app', 'name', 'image', 'env', 'valueFrom', 'secretKeyRef', 'securityContext', 'privileged', 'volumes', 'missing', 0, 1, 2);
    const path = fc.array(segment, { maxLength: 9 }).map((tail) => (tail.length > 3 ? ['spec', 'template', 'spec', ...tail] : tail));
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 12 }), (paths) => {
        const index = new BlockIndex();
        for (const asked of paths) expect(locateBlockYaml(text, asked, index)).toBe(locateBlockYaml(text, asked));
      }),
      { numRuns: 500 },
    );
  });

  it('reads mappings of a few keys and of many alike, keys asked in any order: the first of a repeated key, quoted keys, comments, nothing after an explicit key (property)', () => {
    // A mapping of `count` keys (some repeated, some quoted, an explicit key at `explicitAt`), asked about `asked` in order, on one index.
    const mapping = (count: number, explicitAt: number) => {
      const lines = ['data:'];
      for (let key = 0; key < count; key++) {
        if (key === explicitAt) lines.push('  ? complex', '  : value');
        const name = `k${key % Math.max(1, count - 3)}`;
        if (key % 5 === 1) lines.push(`  "${name}": {a: 1}`);
        else if (key % 7 === 2) lines.push(`  '${name}' :`, '    nested: 1');
        else lines.push(`  ${name}: v${key} # ${key}`);
      }
      return `${lines.join('\n')}\nafter: 1\n`;
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -1, max: 40 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 42 }).map((key) => `k${key}`), fc.constantFrom('nested', 'a', 'complex')), { minLength: 1, maxLength: 25 }), (count, explicitAt, asked) => {
        const text = mapping(count, explicitAt);
        const index = new BlockIndex();
        const byParser = parserLocator(text);
        for (const key of asked) {
          for (const path of [['data', key], ['data', key, 'nested'], ['data', key, 'a']] as PathSegment[][]) {
            const line = locateBlockYaml(text, path, index);
            // FALLBACK: the question goes to the parser (an explicit key before the key).
            if (line !== FALLBACK) expect(line).toBe(byParser(path));
            expect(line).toBe(locateBlockYaml(text, path));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers a flow collection on one line with that line, and hands multi-line ones to the parser', () => {
    const oneLine = 'x: 1\na: {b: {c: "}]", d: [1, 2]}, e: \'it\'\'s\'}\n';
    for (const path of [['a', 'b', 'c'], ['a', 'b', 'd', 1], ['a', 'missing', 'deeper'], ['a', 'e']]) {
      expect(locateBlockYaml(oneLine, path)).toBe(1);
      expect(parserLocator(oneLine)(path)).toBe(1);
    }
    expect(locateBlockYaml('a: {b: 1}\n', ['a'])).toBe(0);
    const multiLine = 'a: {b: 1,\n  c: 2}\n';
    expect(locateBlockYaml(multiLine, ['a', 'c'])).toBe(FALLBACK);
    expect(parserLocator(multiLine)(['a', 'c'])).toBe(1);
    expect(locateBlockYaml('- {name: a, x: "unterminated ]\n', [0, 'x'])).toBe(FALLBACK);
  });
});

describe('documentLocator (Chart.yaml) answers as the yaml parser, without loading it for block YAML', () => {
  const charts = [
    'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    repository: https://charts.example.com\n  - name: pg\n    repository: "@stable"\n',
    '# a comment\n---\napiVersion: v2\n\nname: web # trailing\ndependencies:\n- name: redis\n  version: 1.x\n  repository: oci://registry.example.com/charts\n',
    'apiVersion: v2\nname: web\ndependencies: [{name: redis, repository: "https://a.example"}, {name: pg,\n  repository: "https://b.example"}]\n',
  ];
  it.each(charts)('%#', (text) => {
    const fast = documentLocator(text);
    const parsed = parserLocator(text);
    for (const path of [['name'], ['version'], ['dependencies'], ['dependencies', 0, 'repository'], ['dependencies', 1, 'repository'], ['dependencies', 2]] as PathSegment[][]) {
      expect(fast(path), path.join('.')).toBe(parsed(path));
    }
  });
});
