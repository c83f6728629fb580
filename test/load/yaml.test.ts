import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { isRecord, notKubeObjectReason, type KubeObject } from '../../src/core/object.js';
import { parseJson, parseYamlStream, splitDocuments } from '../../src/load/yaml.js';
import { expansionBudget, parseYamlDocument } from '../../src/load/yaml-document.js';

const parse = (text: string) => parseYamlStream(text, { file: 'm.yaml' });

describe('splitDocuments', () => {
  it.each([
    ['one document', 'a: 1\n', [1]],
    ['leading marker', '---\na: 1\n', [2]],
    ['three documents with comments and blanks', '# c\n---\n\n# Source: x\nkind: A\n---\nkind: B\n...\n---\nkind: C\n', [5, 7, 10]],
    ['content on the marker line', '--- {kind: A}\n--- |\n  text\n', [1, 2]],
    ['a marker-like line inside a block scalar is indented, so not a marker', 'a: |\n  ---\n  b\n', [1]],
    ['empty documents are dropped', '---\n---\n# only a comment\n---\nkind: X\n', [5]],
    ['CRLF line endings', '---\r\nkind: A\r\n---\r\nkind: B\r\n', [2, 4]],
  ])('%s', (_name, text, lines) => {
    expect(splitDocuments(text).map((document) => document.contentLine)).toEqual(lines);
  });

  it('agrees with splitting the stream into lines and joining them again, on streams of markers, directives, comments, scalars and CRLF (property)', () => {
    const line = fc.constantFrom('---', '--- ', '---\r', '--- # c', '--- |', '--- {a: 1}', '---x', '...', '... ', '....', '%YAML 1.2', '# c', '', '  ', '\r', 'a: 1', '  b: 2', '- x', 'k: |+', '  v', 'kind: A\r');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 14 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), (lines, trailingBreak, firstLine) => {
        const text = lines.join('\n') + (trailingBreak ? '\n' : '');
        expect(splitDocuments(text, firstLine).map(significant)).toEqual(splitByLines(text, firstLine).map(significant));
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * A document as the parser reads it: its content line, and its lines from the first content line on,
 * each with its line number in the stream (what comes before is blank or a comment, which a document
 * split off by lines keeps and a slice may leave out).
 */
function significant(document: { text: string; startLine: number; contentLine: number }): { contentLine: number; lines: [number, string][]; blankBefore: boolean } {
  const lines = document.text.split('\n').map((text, index): [number, string] => [document.startLine + index, text]);
  const before = lines.filter(([number]) => number < document.contentLine);
  return { contentLine: document.contentLine, lines: lines.filter(([number]) => number >= document.contentLine), blankBefore: before.every(([, text]) => /^\s*(#.*)?\r?$/.test(text)) };
}

/** The split as it was first written (lines split, markers blanked, lines joined again): the oracle for the slicing split. */
function splitByLines(text: string, firstLine = 1): { text: string; startLine: number; contentLine: number }[] {
  const documents: { text: string; startLine: number; contentLine: number }[] = [];
  const lines = text.split('\n');
  let start = 0;
  let contentLine = -1;
  let inDocument = false;
  const flush = (end: number) => {
    if (start < end) {
      const body = lines.slice(start, end).join('\n');
      if (contentLine >= 0) documents.push({ text: body, startLine: start + firstLine, contentLine: contentLine + firstLine });
    }
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('---') && (line.length === 3 || line[3] === ' ' || line[3] === '\t' || line[3] === '\r')) {
      flush(index);
      // Content after the marker (`--- |`, `--- !tag`) belongs to the new document: keep the line, blank the marker.
      lines[index] = '   ' + line.slice(3);
      start = index;
      contentLine = /^\s*(#.*)?\r?$/.test(lines[index]) ? -1 : index;
      inDocument = true;
      continue;
    }
    if (line.startsWith('...') && (line.length === 3 || /^\.\.\.[\s]/.test(line))) {
      flush(index);
      start = index + 1;
      contentLine = -1;
      inDocument = false;
      continue;
    }
    if (line.startsWith('%') && !inDocument && contentLine < 0) {
      // A directive belongs to the next document's prologue; js-yaml does not need it.
      lines[index] = '';
      continue;
    }
    if (contentLine < 0 && !/^\s*(#.*)?\r?$/.test(line)) contentLine = index;
    inDocument = true;
  }
  flush(lines.length);
  return documents;
}

/**
 * A stream read document by document, as parseYamlStream read every stream before it read runs of
 * documents with one js-yaml call: each of splitDocuments' documents by parseYamlDocument (the streams
 * of these tests hold no Lists), one expansion budget for the stream.
 */
function oneByOne(text: string): ReturnType<typeof parse> {
  const result: ReturnType<typeof parse> = { objects: [], warnings: [] };
  const budget = expansionBudget();
  for (const document of splitDocuments(text)) {
    const value = parseYamlDocument(document.text, { file: 'm.yaml', startLine: document.startLine, contentLine: document.contentLine, budget });
    if (value === null || value === undefined) continue;
    const reason = notKubeObjectReason(value);
    if (reason !== undefined) {
      result.warnings.push(`m.yaml:${document.contentLine}: skipped a document that is not a Kubernetes object (${reason})`);
      continue;
    }
    const object = value as KubeObject;
    if (!isRecord(object.metadata)) object.metadata = {};
    result.objects.push({ object, provenance: { origin: 'file', file: 'm.yaml', line: document.contentLine } });
  }
  return result;
}

/** What a parse gives: the objects with their lines, the warnings, or the error's message. */
function outcome(run: () => ReturnType<typeof parse>): unknown {
  try {
    const { objects, warnings } = run();
    return { objects: objects.map((entry) => ({ object: entry.object, line: entry.provenance.line })), warnings };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('parseYamlStream reads documents between bare markers with one js-yaml call', () => {
  const object = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

  it.each([
    ['plain documents', `${object('a')}---\n${object('b')}---\n${object('c')}`],
    ['CRLF line endings', `${object('a')}---\n${object('b')}`.replace(/\n/g, '\r\n')],
    // On its own, the first document ends without the line break that the run has before the marker.
    ['a kept block scalar before a marker, its document ending with an empty line', `${object('a', 'data:\n  k: |+\n    v\n\n')}---\n${object('b', 'data:\n  k: >+\n    w\n\n')}---\n${object('c')}`],
    ['a byte order mark after a marker', `${object('a')}---\n\uFEFF${object('b')}`],
    ['a `%` line after a marker (content there, a directive at the start of a text)', `${object('a')}---\n%x: 1\n${object('b')}`],
    ['an unclosed quote before a marker', `${object('a', 'data: {k: "open\n')}---\n${object('b')}`],
    ['an unclosed flow collection before a marker', `${object('a', 'data: [1,\n')}---\n${object('b')}`],
    ['an error in the last of many documents', `${object('a')}---\n${object('b')}---\n${object('c', '  bad: [\n')}`],
    ['anchors in one document of a run', `${object('a')}---\n${object('b', 'data: &x {k: v}\nmore: *x\n')}---\n${object('c')}`],
    ['a comment-only document between two', `${object('a')}---\n# nothing\n---\n${object('b')}`],
    ['a marker with a comment, and one ending a document', `${object('a')}--- # c\n${object('b')}...\n---\n${object('c')}`],
  ])('%s: as when each document is read on its own', (_name, text) => {
    expect(outcome(() => parse(text))).toEqual(outcome(() => oneByOne(text)));
  });

  it('as when each document is read on its own, on streams of markers, directives, block scalars, errors and CRLF (property)', () => {
    const piece = fc.constantFrom(
      object('a'),
      object('b', 'data:\n  k: |+\n    v\n'),
      object('c', 'data:\n  k: >-\n    w\n'),
      object('d', 'data: {k: "x"}'),
      'apiVersion: v1\nkind: A\nmetadata: [x]',
      'apiVersion: v1\nkind: A\nmetadata: {name: 1}',
      '---',
      '--- ',
      '---\r',
      '--- # c',
      '--- |',
      '--- {apiVersion: v1, kind: A, metadata: {name: m}}',
      '...',
      '%YAML 1.2',
      '%x: 1',
      '# c',
      '',
      '  ',
      '\r',
      '\uFEFFapiVersion: v1',
      'kind: B\r',
      'k: |+',
      '  v',
      'a: "open',
      'b: [1,',
      'x: &a {k: v}',
      'y: *a',
      '- item',
      'items: []',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), fc.boolean(), (pieces, trailingBreak) => {
        const text = pieces.join('\n') + (trailingBreak ? '\n' : '');
        expect(outcome(() => parse(text))).toEqual(outcome(() => oneByOne(text)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseYamlStream', () => {
  it('gives every object its file and start line, and lines of fields on demand', () => {
    const text = [
      '# Source: chart/templates/a.yaml',
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: {name: a}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      - name: app',
      '        image: nginx',
      '      - name: side',
      '        image: evil:latest',
      '        securityContext:',
      '          privileged: true',
    ].join('\n');
    const { objects } = parse(text);
    expect(objects.map((entry) => [entry.object.kind, entry.provenance.line])).toEqual([
      ['ServiceAccount', 2],
      ['Deployment', 6],
    ]);
    const locate = objects[1].provenance.locate!;
    expect(locate(['spec', 'template', 'spec', 'containers', 1, 'image'])).toBe(17);
    expect(locate(['spec', 'template', 'spec', 'containers', 1, 'securityContext', 'privileged'])).toBe(19);
    expect(locate(['spec', 'template', 'spec', 'containers', 0])).toBe(14);
    // A path that goes past what exists stops at the deepest field that does.
    expect(locate(['spec', 'template', 'spec', 'nodeSelector'])).toBe(12);
    expect(locate([])).toBe(6);
  });

  it('flattens kind: List and *List, giving each item its own line', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: ServiceAccount',
      '  metadata: {name: a, namespace: x}',
      '- apiVersion: rbac.authorization.k8s.io/v1',
      '  kind: ClusterRole',
      '  metadata: {name: r}',
      '  rules: []',
      '---',
      'apiVersion: v1',
      'kind: PodList',
      'items: [{apiVersion: v1, kind: Pod, metadata: {name: p}}]',
    ].join('\n');
    const { objects } = parse(text);
    expect(objects.map((entry) => entry.object.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'Pod']);
    expect(objects.map((entry) => entry.provenance.locate!([]))).toEqual([4, 7, 14]);
  });

  it('skips documents that are not Kubernetes objects with a warning naming file and line', () => {
    const { objects, warnings } = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\njust: values\n---\n- a list\n');
    expect(objects).toHaveLength(1);
    expect(warnings).toEqual([
      'm.yaml:5: skipped a document that is not a Kubernetes object (no apiVersion and kind)',
      'm.yaml:7: skipped a document that is not a Kubernetes object (no apiVersion and kind)',
    ]);
  });

  it('skips objects whose metadata.name, generateName or namespace is not a string, naming the field (the API server refuses them; engines read them as text)', () => {
    const text = [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: 123}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: .nan}',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: {a: 1}}',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {generateName: [x]}',
      'apiVersion: v1\nkind: Pod\nmetadata: "x"',
      'apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: true}}]',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, namespace: null}',
    ].join('\n---\n');
    const { objects, warnings } = parse(text);
    expect(objects.map((entry) => entry.object.metadata.name)).toEqual(['kept']);
    expect(warnings).toEqual([
      'm.yaml:1: skipped a document that is not a Kubernetes object (metadata.name is a number, not a string: the API server refuses it)',
      'm.yaml:5: skipped a document that is not a Kubernetes object (metadata.namespace is a number, not a string: the API server refuses it)',
      'm.yaml:9: skipped a document that is not a Kubernetes object (metadata.name is a mapping, not a string: the API server refuses it)',
      'm.yaml:13: skipped a document that is not a Kubernetes object (metadata.generateName is a list, not a string: the API server refuses it)',
      'm.yaml:17: skipped a document that is not a Kubernetes object (metadata is not a mapping)',
      'm.yaml:21: skipped items[0] of List: not a Kubernetes object (metadata.name is a boolean, not a string: the API server refuses it)',
    ]);
  });

  it('reports malformed YAML with file and line', () => {
    expect(() => parse('apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n')).toThrowError(/^m\.yaml:[78]: invalid YAML/);
    expect(() => parse('a: 1\na: 2\n')).toThrowError(/^m\.yaml:2: invalid YAML: duplicated mapping key/);
  });

  it('reads scalars as Kubernetes does (sigs.k8s.io/yaml, YAML 1.1): octal 0644, yes/on booleans, timestamps as strings', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {when: 2024-01-01, answer: yes, flag: Off, mode: 0644, hex: 0x1F, big: 1_000, quoted: "0644", ver: 1.20, word: yesterday}\n';
    const expected = { when: '2024-01-01', answer: true, flag: false, mode: 420, hex: 31, big: 1000, quoted: '0644', ver: 1.2, word: 'yesterday' };
    expect(parse(text).objects[0].object.data).toEqual(expected);
    // The same document through the anchor-safe parser resolves the same way.
    const anchored = text.replace('metadata: {name: c}', 'metadata: {name: c, labels: &l {a: b}}\nx: *l');
    expect(parse(anchored).objects[0].object.data).toEqual(expected);
  });

  it('reads floats as js-yaml does, whatever they start with (the schema asks the first character before the pattern)', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: .5, b: -2.5, c: +.inf, d: .NaN, e: 1e3, f: 6.02e+23, g: v1.2, h: "1.5", i: 1.5.3, j: -.inf, k: 1_0.5, l: .e3, m: 0.}\n';
    const data = parse(text).objects[0].object.data as Record<string, unknown>;
    expect(data).toEqual({ a: 0.5, b: -2.5, c: Infinity, d: NaN, e: 1000, f: 6.02e23, g: 'v1.2', h: '1.5', i: '1.5.3', j: -Infinity, k: '1_0.5', l: '.e3', m: 0 });
  });

  it('locates fields of the documents of a stream however the questions alternate between them (one document indexed at a time)', () => {
    const document = (name: string) => ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`, 'spec:', '  containers:', '  - name: a', '    image: x', '  - name: b', '    image: y'];
    const text = [...document('p'), '---', ...document('q'), '---', '', ...document('r')].join('\n');
    const { objects } = parse(text);
    const paths = [['spec', 'containers', 1, 'image'], ['metadata', 'name'], ['spec', 'containers', 0], ['spec', 'missing']];
    const alone = objects.map((entry) => paths.map((path) => parse(text).objects[objects.indexOf(entry)].provenance.locate!(path)));
    expect(alone).toEqual([
      [10, 4, 7, 5],
      [21, 15, 18, 16],
      [33, 27, 30, 28],
    ]);
    for (const [index, path] of [2, 0, 1, 0, 2, 1, 1, 0].map((object, step) => [object, paths[step % paths.length]] as const)) {
      expect(objects[index].provenance.locate!(path)).toBe(alone[index][paths.indexOf(path)]);
    }
  });

  it('resolves ordinary anchors, aliases and merge keys', () => {
    const { objects } = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {app: a}}\ndata: {<<: *l, extra: "1"}\n');
    expect(objects[0].object.data).toEqual({ app: 'a', extra: '1' });
  });

  it('refuses an alias bomb before expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((line) => `  ${line}`).join('\n')}\n`;
    const before = process.memoryUsage().heapUsed;
    expect(() => parse(bomb)).toThrowError(InputError);
    expect(() => parse(bomb)).toThrowError(/^m\.yaml:1: refused YAML: .*alias/);
    // 9^9 expanded strings would need gigabytes; refusing keeps the heap where it was.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses absurd nesting with a one-line error instead of overflowing the stack', () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: ${'['.repeat(100000)}${']'.repeat(100000)}\n`;
    expect(() => parse(deep)).toThrowError(/^m\.yaml:\d+: invalid YAML/);
  });
});

describe('parseJson', () => {
  it('reads a kubectl List dump with item lines', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }] }, null, 2);
    const { objects } = parseJson(text, { file: 'dump.json' });
    expect(objects).toHaveLength(1);
    expect(objects[0].provenance.locate!([])).toBe(5);
  });

  it.each([
    ['a missing value', '{\n "a": 1,\n "b": }\n', 3],
    ['a trailing comma', '{\n "a": [1,\n 2,\n ]\n}', 4],
    ['an unclosed object', '{\n "a": {\n "b": 1\n', 4],
    ['a bare word', '{"a":\n\n nope}', 3],
  ])('names the line of a JSON syntax error: %s', (_name, text, line) => {
    expect(() => parseJson(text, { file: 'x.json' })).toThrowError(new RegExp(`^x\\.json:${line}: invalid JSON`));
  });

  it('never echoes the input in a JSON error (it may hold a Secret)', () => {
    const text = '{"kind": "Secret", "data": {"password": "aHVudGVyMg=="},}';
    expect(() => parseJson(text, { file: 's.json' })).toThrowError(/invalid JSON/);
    try {
      parseJson(text, { file: 's.json' });
    } catch (error) {
      expect((error as Error).message).not.toContain('aHVudGVyMg');
    }
  });
});
