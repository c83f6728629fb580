import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInputError } from '../../src/core/errors.js';
import { emptyAuditStats, parseAuditBody, parseAuditLine, parseRfc3339, type AuditEvent } from '../../src/detect/audit.js';
import { compileCheck, compileCondition, parseCondition, type CompileContext, type Node } from '../../src/detect/condition.js';
import { RequestMemory } from '../../src/detect/state.js';
import { emptyDnsStats, parseDnsLine, type DnsContext } from '../../src/detect/dns.js';
import { PodIndex } from '../../src/core/pods.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { DetectPipeline } from '../../src/detect/pipeline.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';

/**
 * Property-based fuzzing of the parsers that read foreign text: the audit-event parser, the CoreDNS
 * line parser and the condition language. Whatever the input, they either give a value or throw the
 * project's InputError (conditions only: a log line is counted and skipped, never thrown), and each
 * call returns within a bound far above its normal cost (linear work takes microseconds here; a
 * catastrophic regex or a quadratic loop on these sizes takes seconds to hours).
 */

const rules = loadKubewardRules(builtinDetectRuleFiles());
/** Per call: generous enough for a loaded 2-core machine, far below what a super-linear path costs. */
const BOUND_MS = 2000;

function timed<T>(run: () => T): T {
  const start = performance.now();
  const value = run();
  expect(performance.now() - start).toBeLessThan(BOUND_MS);
  return value;
}

/** Only InputError may escape. */
function inputErrorsOnly(run: () => unknown): void {
  try {
    timed(run);
  } catch (error) {
    if (!isInputError(error)) throw error;
  }
}

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const event = (fields: Record<string, unknown>) => ({ kind: 'Event', auditID: 'f-1', stage: 'ResponseComplete', stageTimestamp: '2026-03-01T10:00:00Z', verb: 'create', user: { username: 'mallory' }, ...fields });

/** Event-shaped values with arbitrary JSON in every place rules read. */
const auditValue = fc.record(
  {
    kind: fc.oneof(fc.constant('Event'), fc.constant('EventList'), fc.jsonValue()),
    auditID: fc.oneof(fc.string(), fc.jsonValue()),
    stage: fc.oneof(fc.constantFrom('ResponseComplete', 'ResponseStarted', 'RequestReceived', 'Panic'), fc.jsonValue()),
    stageTimestamp: fc.oneof(fc.constant('2026-03-01T10:00:00.000001Z'), fc.string(), fc.jsonValue()),
    verb: fc.oneof(fc.constantFrom('get', 'list', 'create', 'patch', 'impersonate', 'bind'), fc.jsonValue()),
    user: fc.oneof(fc.record({ username: fc.oneof(fc.constant('system:serviceaccount:a:b'), fc.string()), groups: fc.jsonValue(), extra: fc.jsonValue() }), fc.jsonValue()),
    objectRef: fc.oneof(fc.record({ resource: fc.constantFrom('secrets', 'pods', 'clusterrolebindings', 'roles', 'serviceaccounts'), namespace: fc.jsonValue(), name: fc.jsonValue(), subresource: fc.jsonValue() }), fc.jsonValue()),
    responseStatus: fc.oneof(fc.record({ code: fc.oneof(fc.constantFrom(200, 201, 403), fc.jsonValue()) }), fc.jsonValue()),
    requestObject: fc.jsonValue(),
    responseObject: fc.jsonValue(),
    annotations: fc.jsonValue(),
    items: fc.jsonValue(),
    sourceIPs: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('fuzz: audit-event parser', () => {
  it('never throws on arbitrary lines, and every line is counted', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ size: 'large' }), fc.json(), auditValue.map((v) => JSON.stringify(v))), { maxLength: 20 }), (lines) => {
        const stats = emptyAuditStats();
        const events = lines.flatMap((line) => timed(() => parseAuditLine(line, stats)));
        expect(stats.events).toBe(events.length);
        expect(stats.lines).toBe(lines.filter((line) => line.trim() !== '').length);
        timed(() => parseAuditBody(lines.join('\n'), emptyAuditStats()));
      }),
      { numRuns: 300 },
    );
  });

  it('evaluates arbitrary event-shaped values with the built-in rules without throwing', () => {
    fc.assert(
      fc.property(fc.array(auditValue, { maxLength: 10 }), (values) => {
        const pipeline = new DetectPipeline({ rules });
        for (const value of values) timed(() => pipeline.auditLine(JSON.stringify({ ...event({}), ...value })));
        timed(() => pipeline.flushDns());
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['9,000 nested arrays on a line', nested(9000, '[', ']')],
    ['an EventList item nested 9,000 deep', `{"kind":"EventList","items":[${nested(9000, '[', ']')}]}`],
    ['a binding whose subjects nest 20,000 deep', JSON.stringify(event({ objectRef: { resource: 'clusterrolebindings' }, responseStatus: { code: 201 } })).replace('}', `,"requestObject":{"roleRef":{"name":"cluster-admin"},"subjects":[${nested(20000, '[', ']')}]}}`)],
    ['a pod whose containers nest 20,000 deep', JSON.stringify(event({ objectRef: { resource: 'pods', namespace: 'a' }, responseStatus: { code: 201 } })).replace('}', `,"requestObject":{"spec":{"containers":${nested(20000, '[', ']')}}}}`)],
    ['a Secret nested 20,000 objects deep', JSON.stringify(event({ objectRef: { resource: 'secrets', namespace: 'a' } })).replace('}', `,"responseObject":${nested(20000, '{"a":', '}')}}`)],
  ])('skips and counts %s instead of ending the run', (_name, line) => {
    const pipeline = new DetectPipeline({ rules });
    timed(() => pipeline.auditLine(line));
    // the run goes on: a later event is read and evaluated
    pipeline.auditLine(JSON.stringify(event({ auditID: 'after', objectRef: { resource: 'secrets' }, verb: 'list', responseStatus: { code: 200 } })));
    expect(pipeline.alerts().map(({ alert }) => alert.evidence).flat()).toContain('after');
  });
});

const context = (): DnsContext => ({
  pods: new PodIndex([{ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: 'p' }, spec: {}, status: { phase: 'Running', podIP: '10.0.0.1' } }]),
  clusterDomain: 'cluster.local',
  searchDomains: ['ec2.internal'],
  fallbackTime: 0,
});
const VALID_DNS = '2026-03-01T10:00:00Z [INFO] 10.0.0.1:52311 - 4242 "A IN x.y.evil.com. udp 41 false 512" NOERROR qr,rd,ra 41 0.0001s';

/** A valid line with a slice replaced by arbitrary text: near misses are where parsers break. */
const mutatedDnsLine = fc.tuple(fc.nat(VALID_DNS.length), fc.nat(20), fc.string({ size: 'medium' })).map(([at, cut, text]) => VALID_DNS.slice(0, at) + text + VALID_DNS.slice(at + cut));

describe('fuzz: CoreDNS line parser', () => {
  it('never throws, and accounts for every line', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ size: 'large' }), mutatedDnsLine, fc.constant(VALID_DNS)), { maxLength: 30 }), (lines) => {
        const stats = emptyDnsStats();
        const ctx = context();
        let events = 0;
        for (const [index, line] of lines.entries()) {
          const parsed = timed(() => parseDnsLine(line, `f:${index + 1}`, ctx, stats));
          if (parsed) {
            events++;
            expect(Number.isFinite(parsed.time)).toBe(true);
          }
        }
        expect(stats.queries).toBe(events);
        expect(stats.queries + stats.other + stats.malformed).toBe(stats.lines);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a long run of colons', `[INFO] ${'1:'.repeat(50_000)}x`],
    ['a long run of hex', `[INFO] ${'a'.repeat(100_000)}:`],
    ['an unterminated question', `[INFO] 10.0.0.1:5 - 6 "${'a '.repeat(50_000)}`],
    ['a timestamp with endless fractions', `2026-03-01T10:00:00${'.1'.repeat(50_000)}`],
    ['a 60,000-label name', `[INFO] 10.0.0.1:5 - 6 "A IN ${'a.'.repeat(60_000)} udp 1 false 512" NOERROR qr 1 0.1s`],
    ['whitespace', `[INFO]${' '.repeat(200_000)}x`],
  ])('stays linear on %s', (_name, line) => {
    timed(() => parseDnsLine(line, 'f:1', context(), emptyDnsStats()));
  });
});

/** Tokens of the condition language, so generated text reaches deep into the parser. */
const conditionToken = fc.oneof(
  fc.constantFrom('ka.verb', 'ka.target.resource', 'ka.user.name', 'ka.req.pod.hostpaths', 'jevt.value[/a/b]', 'ka.uri.param[x]', 'dns.name', 'no.such.field', 'some_macro'),
  fc.constantFrom('=', '==', '!=', '<', '>=', 'in', 'intersects', 'pmatch', 'contains', 'startswith', 'glob', 'regex', 'exists', 'bcontains'),
  fc.constantFrom('and', 'or', 'not', '(', ')', ',', '[', ']', '"', "'", 'val(', 'len(', 'tolower(', 'b64('),
  fc.constantFrom('secrets', 'x', '1', '0x41', '"quoted value"', '(a, b)', '[', '*', '(?:a+)+$', '\\'),
  fc.string({ maxLength: 8 }),
);
const conditionText = fc.oneof(fc.array(conditionToken, { maxLength: 40 }).map((tokens) => tokens.join(' ')), fc.string({ size: 'large' }));

const sampleEvent: AuditEvent = (() => {
  const raw = event({ objectRef: { resource: 'secrets', namespace: 'a', name: 's' }, requestURI: '/api/v1/namespaces/a/secrets/s?x=1', requestObject: { spec: { volumes: [{ hostPath: { path: '/etc' } }] } } });
  return { source: 'audit', raw, auditID: 'f-1', stage: 'ResponseComplete', time: 0, timeText: '2026-03-01T10:00:00Z', id: 'f-1' };
})();

describe('fuzz: condition language', () => {
  it('parses, compiles and evaluates arbitrary text or throws InputError', () => {
    const macros = { get: (name: string) => (name === 'some_macro' ? parseCondition('ka.verb=get') : undefined) };
    fc.assert(
      fc.property(conditionText, (text) => {
        inputErrorsOnly(() => {
          const predicate = compileCondition(parseCondition(text), { fields: FIELD_TABLES.audit, macros, lists: new Map([['l', ['a']]]) });
          expect(typeof predicate(sampleEvent)).toBe('boolean');
        });
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['20,000 nots', `${'not '.repeat(20_000)}ka.verb=get`],
    ['20,000 parentheses', `${'('.repeat(20_000)}ka.verb=get${')'.repeat(20_000)}`],
    ['20,000 ands', Array(20_000).fill('ka.verb=get').join(' and ')],
    ['a 50,000-item list', `ka.verb in (${Array(50_000).fill('x').join(',')})`],
    ['an unterminated string', `ka.verb = "${'x'.repeat(100_000)}`],
    ['an unterminated argument', `jevt.value[${'x'.repeat(100_000)}`],
  ])('bounds %s', (_name, text) => {
    inputErrorsOnly(() => compileCondition(parseCondition(text), { fields: FIELD_TABLES.audit, macros: { get: () => undefined }, lists: new Map() }));
  });

  it('bounds macros inside macros and lists inside lists', () => {
    const chain = (kind: 'macro' | 'list', n: number) =>
      Array.from({ length: n }, (_, i) =>
        kind === 'macro' ? `- macro: m${i}\n  condition: ${i + 1 < n ? `m${i + 1}` : 'ka.verb=get'}\n` : `- list: l${i}\n  items: [${i + 1 < n ? `l${i + 1}` : 'x'}]\n`,
      ).join('');
    const macroRule = `${chain('macro', 5000)}- rule: r\n  desc: d\n  priority: low\n  condition: m0\n`;
    const listRule = `${chain('list', 5000)}- rule: r\n  desc: d\n  priority: low\n  condition: ka.verb in (l0)\n`;
    for (const text of [macroRule, listRule]) {
      expect(() => timed(() => loadKubewardRules([{ name: 'deep.yaml', text }]))).toThrow(/more than 64 deep/);
    }
  });
});

describe('rule dispatch', () => {
  it('gives the alerts evaluating every rule on every event gives, on arbitrary events', () => {
    const unguarded = { ...rules, rules: rules.rules.map((rule) => ({ ...rule, resources: undefined })) };
    expect(rules.rules.filter((rule) => rule.resources).length).toBeGreaterThan(5);
    fc.assert(
      fc.property(fc.array(auditValue, { maxLength: 30 }), (values) => {
        const guarded = new DetectPipeline({ rules });
        const reference = new DetectPipeline({ rules: unguarded });
        for (const value of values) {
          const line = JSON.stringify({ ...event({}), ...value });
          guarded.auditLine(line);
          reference.auditLine(line);
        }
        expect(guarded.alerts().map(({ alert }) => alert)).toEqual(reference.alerts().map(({ alert }) => alert));
      }),
      { numRuns: 300 },
    );
  });
});

describe('audit timestamps', () => {
  /** Date.parse of the time with its fraction cut to milliseconds (Date.parse misreads fractions of ten digits). */
  const reference = (text: string) => {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
    return match ? Date.parse(match[1] + (match[2] ?? '').slice(0, 4) + match[3]) : NaN;
  };
  const second = fc.constantFrom('2026-03-01T10:00:00', '2026-03-01T10:00:01', '2026-02-30T10:00:00', '2026-12-31T23:59:59');
  const fraction = fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{0,10}$/), fc.string({ maxLength: 4 }).map((text) => `.${text}`));
  const zone = fc.constantFrom('Z', 'z', '+00:00', '-05:30', '', 'ZZ');
  it('read the same through the same-second fast path as through Date.parse', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(second, fraction, zone).map(([s, f, z]) => s + f + z), { minLength: 1, maxLength: 20 }), (texts) => {
        for (const text of texts) expect(Object.is(parseRfc3339(text), reference(text)), text).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('compiled conditions', () => {
  /** The language's meaning, node by node, with every check as its closure: what the generated code must equal. */
  function reference(node: Node, context: CompileContext, event: AuditEvent): boolean {
    switch (node.type) {
      case 'and':
        return node.children.every((child) => reference(child, context, event));
      case 'or':
        return node.children.some((child) => reference(child, context, event));
      case 'not':
        return !reference(node.child, context, event);
      case 'macro':
        return reference(context.macros.get(node.name)!, context, event);
      case 'check':
        return compileCheck(node, context)(event);
    }
  }
  const field = fc.constantFrom('ka.verb', 'ka.target.resource', 'ka.target.namespace', 'ka.target.subresource', 'ka.user.name', 'ka.user.groups', 'ka.response.code', 'ka.auth.decision', 'ka.sourceips', 'ka.req.binding.role');
  const value = fc.constantFrom('get', 'secrets', 'a', 'b', 'system:nodes', '200', '403', 'forbid', '10.0.0.1', 'cluster-admin', '');
  const leaf = fc.oneof(
    fc.tuple(field, fc.constantFrom('=', '!=', '=='), value).map(([f, op, v]) => `${f} ${op} "${v}"`),
    fc.tuple(field, fc.constantFrom('in', 'intersects'), fc.array(value, { minLength: 1, maxLength: 3 })).map(([f, op, vs]) => `${f} ${op} (${vs.map((v) => `"${v}"`).join(', ')})`),
    field.map((f) => `${f} exists`),
    fc.constant('some_macro'),
  );
  const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.tuple(tie('node'), fc.constantFrom('and', 'or'), tie('node')).map(([a, op, b]) => `(${a} ${op} ${b})`), tie('node').map((a) => `not ${a}`)),
  })).node;
  const eventOf = (raw: Record<string, unknown>): AuditEvent => ({ source: 'audit', raw, auditID: 'x', stage: 'ResponseComplete', time: 0, timeText: '', id: 'x' });
  const rawEvent = fc.record(
    {
      verb: fc.oneof(value, fc.jsonValue()),
      objectRef: fc.oneof(fc.record({ resource: fc.oneof(value, fc.jsonValue()), namespace: value, subresource: value }, { requiredKeys: [] }), fc.jsonValue()),
      user: fc.oneof(fc.record({ username: value, groups: fc.oneof(fc.array(value), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
      responseStatus: fc.oneof(fc.record({ code: fc.oneof(fc.constantFrom(200, 403), value) }), fc.jsonValue()),
      annotations: fc.oneof(fc.record({ 'authorization.k8s.io/decision': value }), fc.jsonValue()),
      sourceIPs: fc.oneof(fc.array(value), fc.jsonValue()),
      requestObject: fc.oneof(fc.record({ roleRef: fc.oneof(fc.record({ name: value }), fc.jsonValue()) }), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('mean what the language means: every generated condition equals the check-by-check reference', () => {
    const context: CompileContext = { fields: FIELD_TABLES.audit, lists: new Map(), macros: { get: (name) => (name === 'some_macro' ? parseCondition('ka.verb in (get, list) and not ka.user.groups intersects (system:nodes)') : undefined) } };
    fc.assert(
      fc.property(tree, fc.array(rawEvent, { minLength: 1, maxLength: 5 }), (text, raws) => {
        const node = parseCondition(text);
        const compiled = compileCondition(node, context);
        for (const raw of raws) expect(compiled(eventOf(raw)), text).toBe(reference(node, context, eventOf(raw)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RequestMemory', () => {
  it('remembers the last `capacity` requests exactly, oldest forgotten first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 63 })), { maxLength: 300 }), (capacity, operations) => {
        const memory = new RequestMemory(capacity);
        const reference = new Map<string, number>();
        for (const [n, bits] of operations) {
          const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
          const before = reference.get(id) ?? 0;
          expect(memory.add(id, bits)).toBe(before);
          if (reference.has(id)) reference.set(id, before | bits);
          else {
            if (reference.size >= capacity) reference.delete(reference.keys().next().value!);
            reference.set(id, bits);
          }
          expect(memory.size).toBe(reference.size);
        }
        for (let n = 0; n <= 40; n++) {
          const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
          expect(memory.get(id)).toBe(reference.get(id) ?? 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
