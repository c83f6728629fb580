import { Environment } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { runConformance } from './conformance.js';

/**
 * The cel-spec conformance suites Kubernetes enables, through kubeward's CEL environment. The floors
 * are what kubeward passes today (87.4% of the 1,216 value tests run; 91.0% counting the mixed-type
 * literals the API server rejects as well); a change that loses a test fails here. The library on
 * its own passes 76.4% of the same tests.
 */
const FLOORS: Record<string, number> = {
  basic: 34,
  comparisons: 272,
  conversions: 72,
  fields: 27,
  fp_math: 29,
  integer_math: 59,
  lists: 34,
  logic: 21,
  macros: 37,
  macros2: 39,
  optionals: 36,
  parse: 167,
  string: 51,
  string_ext: 136,
  timestamps: 49,
};

describe('cel-spec conformance, the Kubernetes subset', () => {
  const results = runConformance();

  it.each(Object.entries(FLOORS))('%s passes at least %i tests', (suite, floor) => {
    const result = results.find((candidate) => candidate.suite === suite);
    expect(result?.passed).toBeGreaterThanOrEqual(floor);
  });

  it('passes 87% of the value tests run, and more than the library alone', () => {
    const total = (list: typeof results) => list.reduce((sum, result) => ({ passed: sum.passed + result.passed, run: sum.run + result.passed + result.failed + result.homogeneous }), { passed: 0, run: 0 });
    const kubeward = total(results);
    expect(kubeward.run).toBeGreaterThan(1200);
    expect(kubeward.passed / kubeward.run).toBeGreaterThan(0.87);
    const library = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true });
    const plain = total(runConformance((expression, bindings) => library.evaluate(expression, bindings)));
    expect(kubeward.passed).toBeGreaterThan(plain.passed);
  });
});
