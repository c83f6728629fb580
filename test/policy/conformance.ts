/**
 * The official CEL conformance tests (cel-spec, as @bufbuild/cel-spec ships them) run through
 * kubeward's CEL environment, for the part of CEL the API server enables: the suites of the core
 * language, the strings extension, optional types and two-variable comprehensions. Tests that need
 * protobuf messages, enums, containers, declared types or type values are skipped: admission
 * expressions see none of them.
 */
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import { Optional } from '@marcbachmann/cel-js';
import { compileCel } from '../../src/policy/cel/environment.js';

export const KUBERNETES_SUITES = ['basic', 'comparisons', 'conversions', 'fields', 'fp_math', 'integer_math', 'lists', 'logic', 'macros', 'macros2', 'optionals', 'parse', 'string', 'string_ext', 'timestamps'];

type Json = Record<string, unknown>;
class Skip extends Error {}
class Uint {
  constructor(readonly value: bigint) {}
}
class Opt {
  constructor(readonly value: unknown) {}
}

function decode(value: Json): unknown {
  if ('int64Value' in value) return BigInt(value.int64Value as string);
  if ('uint64Value' in value) return new Uint(BigInt(value.uint64Value as string));
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('bytesValue' in value) return new Uint8Array(Buffer.from(value.bytesValue as string, 'base64'));
  if ('nullValue' in value) return null;
  if ('listValue' in value) return ((value.listValue as Json).values as Json[] | undefined ?? []).map(decode);
  if ('mapValue' in value) return new Map((((value.mapValue as Json).entries as Json[] | undefined) ?? []).map((entry) => [decode(entry.key as Json), decode(entry.value as Json)]));
  throw new Skip('value kind');
}

function normalise(value: unknown): unknown {
  if (value instanceof Optional) return new Opt(value.hasValue() ? normalise(value.value()) : null);
  if (value && typeof value === 'object' && value.constructor?.name === 'UnsignedInt') return new Uint(BigInt((value as { valueOf(): bigint | number }).valueOf()));
  if (Array.isArray(value)) return value.map(normalise);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [normalise(key), normalise(item)]));
  if (value && typeof value === 'object' && (Object.getPrototypeOf(value) === null || Object.getPrototypeOf(value) === Object.prototype)) return new Map(Object.entries(value).map(([key, item]) => [key, normalise(item)]));
  return value;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      const match = [...b].find(([other]) => equal(key, other));
      if (!match || !equal(value, match[1])) return false;
    }
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (a instanceof Uint && b instanceof Uint) return a.value === b.value;
  if (a instanceof Opt && b instanceof Opt) return equal(a.value, b.value);
  return a === b;
}

export interface SuiteResult {
  suite: string;
  passed: number;
  failed: number;
  /** Mixed-type list or map literals: the API server's HomogeneousAggregateLiterals rejects them too. */
  homogeneous: number;
  skipped: number;
  failures: string[];
}

const HOMOGENEOUS = /must have the same type|uses wrong type|no such overload: \w+ (==|!=) \w+/;

/** Evaluates an expression with bindings: the value, or a throw. Default: kubeward's environment (Kubernetes 1.34). */
export type Evaluate = (expression: string, bindings: Record<string, unknown>) => unknown;

export const kubewardEvaluate: Evaluate = (expression, bindings) => compileCel(expression, { variables: Object.keys(bindings) }).evaluate(bindings).value;

function run(test: Json, evaluate: Evaluate): 'pass' | 'fail' | 'skip' | 'homogeneous' {
  const original = test.original as Json;
  const expression = original.expr as string;
  if (original.container || original.typeEnv || original.checkOnly || original.disableMacros || original.disableCheck) return 'skip';
  if (/google\.protobuf|TestAllTypes|NestedTestAllTypes|cel\.expr|\.Enum|type\(|dyn\(type|\bint\b\s*==|==\s*(int|uint|double|string|bool|bytes|list|map|null_type|type)\b/.test(expression)) return 'skip';
  if ('value' in original && (original.value as Json).typeValue !== undefined) return 'skip';
  let bindings: Record<string, unknown>;
  let expected: unknown;
  try {
    bindings = Object.fromEntries(Object.entries((original.bindings as Record<string, Json>) ?? {}).map(([name, binding]) => [name, decode(binding.value as Json)]));
    expected = 'value' in original ? decode(original.value as Json) : 'evalError' in original ? 'error' : true;
  } catch (error) {
    if (error instanceof Skip) return 'skip';
    throw error;
  }
  try {
    const value = evaluate(expression, bindings);
    return expected !== 'error' && equal(normalise(value), normalise(expected)) ? 'pass' : 'fail';
  } catch (error) {
    if (expected === 'error') return 'pass';
    return HOMOGENEOUS.test((error as Error).message) ? 'homogeneous' : 'fail';
  }
}

export function runConformance(evaluate: Evaluate = kubewardEvaluate): SuiteResult[] {
  const results: SuiteResult[] = [];
  for (const suite of (tests as unknown as { suites: { name: string; suites?: { name: string; tests?: Json[] }[] }[] }).suites) {
    if (!KUBERNETES_SUITES.includes(suite.name)) continue;
    const result: SuiteResult = { suite: suite.name, passed: 0, failed: 0, homogeneous: 0, skipped: 0, failures: [] };
    for (const section of suite.suites ?? []) {
      for (const test of section.tests ?? []) {
        const outcome = run(test, evaluate);
        if (outcome === 'pass') result.passed++;
        else if (outcome === 'skip') result.skipped++;
        else if (outcome === 'homogeneous') result.homogeneous++;
        else {
          result.failed++;
          result.failures.push(`${section.name}/${(test.original as Json).name}: ${(test.original as Json).expr}`);
        }
      }
    }
    results.push(result);
  }
  return results;
}
