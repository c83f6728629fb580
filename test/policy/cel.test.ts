import { describe, expect, it } from 'vitest';
import { CelCompileError, CelEvaluationError, compileCel } from '../../src/policy/cel/environment.js';
import { fromCel, toCel } from '../../src/policy/cel/values.js';

const object = toCel({
  metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, ratio: 0.5, containers: [{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'x@sha256:ab' }] },
});

function run(expression: string, kubeVersion?: string): unknown {
  return fromCel(compileCel(expression, { variables: ['object'], kubeVersion }).evaluate({ object }).value);
}

/** Each row: an expression, and its value in the API server's environment (Kubernetes 1.34 unless named). */
const VALUES: [string, unknown, string?][] = [
  // Integers stay integers: JSON 3 is an int, not a double.
  ['object.spec.replicas + 1 == 4', true],
  ['type(object.spec.replicas) == int', true],
  ['type(object.spec.ratio) == double', true],
  // Optional types.
  ["object.?spec.?missing.orValue('none')", 'none'],
  ["object.metadata.?labels[?'app.kubernetes.io/name'].hasValue()", true],
  ['optional.ofNonZeroValue(0).hasValue()', false],
  ['optional.of(2).optMap(x, x * 2).value()', 4],
  ['[1, 2].last().value()', 2],
  // Regex is RE2: inline flags and POSIX classes work, unanchored like cel-go.
  ["'abc'.matches('^(?i)ABC$')", true],
  ["'x'.matches('[[:alpha:]]')", true],
  ["'a1b22'.find('[0-9]+')", '1'],
  ["'a1b22'.findAll('[0-9]+')", ['1', '22']],
  ["'a1b22c333'.findAll('[0-9]+', 2)", ['1', '22']],
  // Strings extension.
  ["'hello'.charAt(1)", 'e'],
  ["'a-b-c'.replace('-', '+')", 'a+b+c'],
  ["'a-b-c'.replace('-', '+', 1)", 'a+b-c'],
  ["'%s has %d replicas'.format([dyn('web'), dyn(3)])", 'web has 3 replicas'],
  ["'%.2f'.format([3.14159])", '3.14'],
  ["strings.quote('a\"b\\n')", '"a\\"b\\n"'],
  // Kubernetes lists library and lists extension.
  ['[1, 2, 3].isSorted()', true],
  ['[1, 2, 3].sum()', 6],
  ['[3, 1, 2].min()', 1],
  ['[1, 2, 1].lastIndexOf(1)', 2],
  ['[3, 1, 2].sort()', [1, 2, 3]],
  ['[3, 1, 2].sortBy(x, -x)', [3, 2, 1]],
  ['[1, 2, 3, 4].slice(1, 3)', [2, 3]],
  ['[[1], [2, 3]].flatten()', [1, 2, 3]],
  ['[1, 2, 2, 1].distinct()', [1, 2]],
  ['lists.range(3)', [0, 1, 2]],
  ['[1, 2].reverse()', [2, 1]],
  // Sets.
  ['sets.contains([1, 2, 3], [2, 3])', true],
  ['sets.equivalent([1, 2], [2, 1, 1])', true],
  ['sets.intersects([1], [2])', false],
  // Two-variable comprehensions.
  ["{'a': 1, 'b': 2}.all(k, v, v > 0)", true],
  ['[10, 20].exists(i, v, i == 1 && v == 20)', true],
  ['[1, 2, 3].existsOne(i, v, v > 2)', true],
  ['[1, 2].transformList(i, v, i + v)', [1, 3]],
  ['[1, 2, 3].transformList(i, v, v > 1, v * 10)', [20, 30]],
  ["{'a': 1}.transformMap(k, v, v + 1)", { a: 2 }],
  ["{'a': 1}.transformMapEntry(k, v, {k + k: v})", { aa: 1 }],
  // URL, quantity, IP, CIDR, format, semver.
  ["url('https://example.com:8443/a%20b?x=1&x=2').getPort()", '8443'],
  ["url('https://[::1]:80/').getHostname()", '::1'],
  ["url('https://example.com/?x=1&x=2').getQuery()['x']", ['1', '2']],
  ["isURL('not a url')", false],
  ["quantity('1Gi').isGreaterThan(quantity('1000M'))", true],
  ["quantity('500m').isInteger()", false],
  ["quantity('1.5k').asInteger()", 1500],
  ["quantity('1').add(2).compareTo(quantity('3'))", 0],
  ["isQuantity('1.5.5')", false],
  ["ip('10.0.0.1').family()", 4],
  ["ip('::1').isLoopback()", true],
  ["ip('169.254.1.1').isLinkLocalUnicast()", true],
  ["ip.isCanonical('2001:db8::1')", true],
  ["ip.isCanonical('2001:DB8::1')", false],
  ["isIP('010.0.0.1')", false],
  ["cidr('10.0.0.0/8').containsIP('10.1.2.3')", true],
  ["cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')", true],
  ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", true],
  ["format.dns1123Label().validate('my-name').hasValue()", false],
  ["format.named('dns1123Label').value().validate('My_Name').value().size() > 0", true],
  ["semver('1.2.3').isLessThan(semver('1.10.0'))", true],
  ["semver('v1.2', true).minor()", 2],
  ["isSemver('01.2.3')", false],
  ["semver('1.0.0-alpha').compareTo(semver('1.0.0'))", -1],
];

/** Each row: an expression the API server refuses to compile (for the version named, default 1.34). */
const COMPILE_ERRORS: [string, RegExp, string?][] = [
  ["'abc'.matches('(?=a)abc')", /invalid or unsupported Perl syntax/],
  ["'abc'.find('a{1001}')", /invalid repeat count/],
  ["'abc'.findAll('(a)\\\\1')", /invalid escape/],
  ['cel.bind(x, 1, x + 1)', /cel\.bind.*not enabled/],
  ["b'abc'.base64()", /not in the Kubernetes CEL environment/],
  ['math.greatest(1, 2)', /Unknown variable: math/],
  ["'abc'.reverse()", /no matching overload/],
  ['1 + 2.0', /no such overload/],
  ["[1, 'a']", /same type/],
  ['lists.range(3)', /Unknown variable: lists/, '1.33'],
  ["semver('1.0.0')", /no matching overload|Unknown/, '1.32'],
  ['[1].all(i, v, true)', /Unknown variable|no matching/, '1.31'],
  ["format.dns1123Label()", /Unknown variable: format/, '1.30'],
  ["ip('1.2.3.4')", /ip/, '1.29'],
];

describe('Kubernetes CEL environment: values', () => {
  it.each(VALUES)('%s', (expression, expected, version) => {
    expect(run(expression, version)).toEqual(expected);
  });
});

describe('Kubernetes CEL environment: what does not compile', () => {
  it.each(COMPILE_ERRORS)('%s', (expression, pattern, version) => {
    if (version === '1.29') {
      expect(() => compileCel(expression, { variables: ['object'], kubeVersion: version })).toThrow(/ValidatingAdmissionPolicy v1/);
      return;
    }
    let error: unknown;
    try {
      compileCel(expression, { variables: ['object'], kubeVersion: version });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CelCompileError);
    expect((error as Error).message).toMatch(pattern);
  });

  it('names the column of the problem', () => {
    expect(() => compileCel("object.metadata.name == 'x' && 'a'.matches('(?=a)')", { variables: ['object'] })).toThrow(/column 44: invalid regular expression/);
    expect(() => compileCel('object.spec.replicas + undefinedName', { variables: ['object'] })).toThrow(/column 24: Unknown variable: undefinedName/);
  });
});

describe('Kubernetes CEL environment: runtime', () => {
  it('a regex built at run time is RE2 too', () => {
    const program = compileCel("'abc'.matches(object.metadata.name)", { variables: ['object'] });
    expect(() => program.evaluate({ object: toCel({ metadata: { name: '(?=a)' } }) })).toThrow(CelEvaluationError);
    expect(program.evaluate({ object: toCel({ metadata: { name: '(?i)B' } }) }).value).toBe(true);
  });

  it('absent fields are errors, as in the API server', () => {
    expect(() => compileCel('object.spec.missing == 1', { variables: ['object'] }).evaluate({ object })).toThrow(/No such key: missing/);
  });

  it('a hostile expression stops at the cost limit instead of hanging', () => {
    const program = compileCel('lists.range(1000).all(i, lists.range(1000).all(j, lists.range(1000).all(k, true)))', { variables: [] });
    let error: unknown;
    try {
      program.evaluate({});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CelEvaluationError);
    expect((error as CelEvaluationError).costExceeded).toBe(true);
  });

  it('a typical expression costs little and reports its cost', () => {
    const { value, cost } = compileCel("object.spec.containers.all(c, c.image.contains('@sha256:'))", { variables: ['object'] }).evaluate({ object });
    expect(value).toBe(false);
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThan(100);
  });
});
