/**
 * `kubeward policy verify SUITE.yaml`: policy unit tests. A suite (kind: PolicyTest) names the
 * policies and params (paths relative to the suite; default the built-in pack) and lists cases,
 * each an object (inline, or files and charts as `scan` reads them), the request (operation,
 * user, groups), and the expected decision: `deny`, `warn` or `allow`, optionally of one policy
 * and with a message it must contain. A case that differs fails the run (exit 1).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { Inventory } from '../core/inventory.js';
import { isKubeObject, isRecord, type KubeObject } from '../core/object.js';
import { builtinScope } from '../core/scope.js';
import { loadPolicySet } from '../load/policies.js';
import { loadSources } from '../load/sources.js';
import type { Operation } from '../policy/model.js';
import { admitInventory, type ObjectDecision } from '../policy/run.js';
import { failOnCostLimit, namespacesFrom } from './policy-run.js';
import { warnAll } from './output.js';

interface Expectation {
  decision: 'deny' | 'warn' | 'allow';
  policy?: string;
  message?: string;
}

interface Case {
  name: string;
  resources?: string[];
  object?: KubeObject;
  oldObject?: KubeObject;
  operation?: Operation;
  user?: string;
  groups?: string[];
  namespace?: string;
  release?: string;
  values?: string[];
  set?: string[];
  expect: Expectation;
}

function strings(value: unknown, field: string, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new InputError(`${where}: ${field} must be a list of strings`);
  return value;
}

function readCase(value: unknown, index: number, where: string): Case {
  const at = `${where}: cases[${index}]`;
  if (!isRecord(value)) throw new InputError(`${at} must be a mapping`);
  if (typeof value.name !== 'string' || !value.name) throw new InputError(`${at}.name is required`);
  const expect = value.expect;
  if (!isRecord(expect) || !['deny', 'warn', 'allow'].includes(expect.decision as string)) throw new InputError(`${at}.expect.decision must be deny, warn or allow`);
  if (value.object !== undefined && !isKubeObject(value.object)) throw new InputError(`${at}.object must be a Kubernetes object (apiVersion, kind, metadata)`);
  if (value.object === undefined && value.resources === undefined) throw new InputError(`${at}: give an object or resources`);
  if (value.operation !== undefined && !['CREATE', 'UPDATE', 'DELETE'].includes(value.operation as string)) throw new InputError(`${at}.operation must be CREATE, UPDATE or DELETE`);
  return {
    name: value.name,
    resources: strings(value.resources, 'resources', at),
    object: value.object as KubeObject | undefined,
    oldObject: isKubeObject(value.oldObject) ? value.oldObject : undefined,
    operation: value.operation as Operation | undefined,
    user: typeof value.user === 'string' ? value.user : undefined,
    groups: strings(value.groups, 'groups', at),
    namespace: typeof value.namespace === 'string' ? value.namespace : undefined,
    release: typeof value.release === 'string' ? value.release : undefined,
    values: strings(value.values, 'values', at),
    set: strings(value.set, 'set', at),
    expect: { decision: expect.decision as Expectation['decision'], policy: typeof expect.policy === 'string' ? expect.policy : undefined, message: typeof expect.message === 'string' ? expect.message : undefined },
  };
}

/** What a case's decisions amount to, for one policy or for all: deny, warn or allow. */
export function outcomeOf(decisions: readonly ObjectDecision[], policy?: string): { decision: Expectation['decision']; messages: string[] } {
  const violations = decisions.flatMap(({ result }) => result.violations).filter((violation) => !policy || violation.policy === policy);
  const messages = violations.map((violation) => violation.message);
  if (violations.some((violation) => violation.actions.includes('Deny'))) return { decision: 'deny', messages };
  if (violations.some((violation) => violation.actions.includes('Warn'))) return { decision: 'warn', messages };
  return { decision: 'allow', messages };
}

/** Runs every suite (kind: PolicyTest) of a file; prints a line per case; returns how many cases failed. */
export async function runSuite(path: string, flags: { kubeVersion?: string; quiet?: boolean }): Promise<number> {
  const suites = (await loadSources([path])).inventory.objects.filter((object) => object.kind === 'PolicyTest');
  if (suites.length === 0) throw new InputError(`${path}: no PolicyTest suite (kind: PolicyTest) in this file`);
  let failed = 0;
  for (const suite of suites) failed += await runOneSuite(path, suite, flags);
  return failed;
}

async function runOneSuite(path: string, suite: KubeObject, flags: { kubeVersion?: string; quiet?: boolean }): Promise<number> {
  const base = dirname(path);
  const resolve = (file: string) => (isAbsolute(file) ? file : join(base, file));
  const policyPaths = strings(suite.policies, 'policies', path)?.map(resolve);
  const paramPaths = strings(suite.params, 'params', path)?.map(resolve);
  const set = await loadPolicySet({ policyPaths, paramPaths, kubeVersion: flags.kubeVersion });
  warnAll(set.warnings, flags.quiet);
  const namespaces = await namespacesFrom(strings(suite.namespaces, 'namespaces', path)?.map(resolve));
  if (!Array.isArray(suite.cases) || suite.cases.length === 0) throw new InputError(`${path}: cases must be a non-empty list`);
  const cases = suite.cases.map((value, index) => readCase(value, index, path));
  let failed = 0;
  for (const testCase of cases) {
    let inventory: Inventory;
    if (testCase.object) {
      const object = structuredClone(testCase.object);
      object.metadata ??= {};
      if (!object.metadata.namespace && builtinScope(object.apiVersion, object.kind) === 'Namespaced') object.metadata.namespace = testCase.namespace ?? 'default';
      inventory = Inventory.of([object]);
    } else {
      inventory = (await loadSources((testCase.resources ?? []).map(resolve), { namespace: testCase.namespace, release: testCase.release, values: testCase.values?.map(resolve), set: testCase.set })).inventory;
    }
    const user = testCase.user || testCase.groups ? { username: testCase.user ?? '', groups: [...(testCase.groups ?? []), 'system:authenticated'] } : undefined;
    const decisions = admitInventory(set, inventory, { operation: testCase.operation, user, namespaces });
    failOnCostLimit(decisions, set);
    const outcome = outcomeOf(decisions, testCase.expect.policy);
    const messageOk = !testCase.expect.message || outcome.messages.some((message) => message.includes(testCase.expect.message as string));
    const ok = outcome.decision === testCase.expect.decision && messageOk;
    if (!ok) failed++;
    if (!ok || !flags.quiet) {
      const scope = testCase.expect.policy ? ` by ${testCase.expect.policy}` : '';
      const detail = ok ? '' : `: expected ${testCase.expect.decision}${scope}${testCase.expect.message ? ` with a message containing ${JSON.stringify(testCase.expect.message)}` : ''}, got ${outcome.decision}${outcome.messages.length ? ` (${outcome.messages.join('; ')})` : ''}`;
      process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${path}: ${testCase.name}${detail}\n`);
    }
  }
  process.stdout.write(`${cases.length - failed} passed, ${failed} failed (${path}: ${suite.metadata.name ?? 'suite'})\n`);
  return failed;
}
