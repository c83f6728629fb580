/**
 * The Kubernetes CEL environment: @marcbachmann/cel-js (chosen for speed, optional types and
 * extensibility; see docs/policy.md) with the libraries the API server enables for a Kubernetes
 * version, and what differs from plain CEL made to match the API server:
 *  - regular expressions are RE2 (re2js), and a literal pattern RE2 rejects is a compile error;
 *  - `cel.bind`, bytes helpers and other functions the API server does not enable do not compile;
 *  - a cost budget per evaluation (comprehension iterations, list and string walks);
 *  - integers stay integers (see values.ts).
 * Compiled programs are cached by (version, variables, expression).
 */
import { Environment, EvaluationError } from '@marcbachmann/cel-js';
import { walk, type AstNode } from './ast.js';
import { charge, CostLimitExceeded, lastEvaluationCost, PER_CALL_LIMIT, runWithBudget, sizeCost } from './cost.js';
import { registerLibraries } from './libraries.js';
import { re2, re2Error, re2Matches } from './regex.js';
import { DEFAULT_KUBE_VERSION, kubeMinor, librariesOf } from './versions.js';

/** The variables an admission expression may see (which ones depends on where it is). */
export type VariableName = 'object' | 'oldObject' | 'request' | 'params' | 'namespaceObject' | 'variables' | 'authorizer';

export interface CompileOptions {
  /** Kubernetes version the expression must compile for (default DEFAULT_KUBE_VERSION). */
  kubeVersion?: string;
  /** Variable names (an admission expression's are VariableNames; any name works for tests). */
  variables: readonly (VariableName | string)[];
  /** Names declared under `variables.` (the policy's earlier variables); others do not compile. */
  declaredVariables?: readonly string[];
}

/** Why an expression does not compile, with the 1-based line and column in the expression. */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line > 1 ? `line ${line}, ` : ''}column ${column}: ${reason}`);
  }
}

/** A runtime error of an expression: no such key, no matching overload, cost limit exceeded… */
export class CelEvaluationError extends Error {
  override readonly name = 'CelEvaluationError';
  constructor(
    message: string,
    readonly costExceeded = false,
  ) {
    super(message);
  }
}

/** Functions the library has and the API server does not enable (receiver methods, by name). */
const NOT_ENABLED_METHODS = new Set(['base64', 'hex', 'json', 'at', 'string']);

export class CelProgram {
  constructor(
    readonly expression: string,
    private readonly run: (activation: Record<string, unknown>) => unknown,
  ) {}

  /** Evaluates with a cost budget; throws CelEvaluationError. Returns the value and the cost used. */
  evaluate(activation: Record<string, unknown>, budget = PER_CALL_LIMIT): { value: unknown; cost: number } {
    const value = this.value(activation, budget);
    return { value, cost: lastEvaluationCost() };
  }

  /** The value alone (the hot path: no allocation beyond the expression's own). */
  value(activation: Record<string, unknown>, budget = PER_CALL_LIMIT): unknown {
    try {
      return runWithBudget(budget, this.run, activation);
    } catch (error) {
      if (error instanceof CelEvaluationError) throw error;
      if (error instanceof CostLimitExceeded) throw new CelEvaluationError(error.message, true);
      if (error instanceof Error) throw new CelEvaluationError(firstLine(error.message));
      throw error;
    }
  }
}

const environments = new Map<string, Environment>();
const programs = new Map<string, CelProgram>();
const MAX_CACHED_PROGRAMS = 4096;

function environmentFor(minor: number, variables: readonly string[]): Environment {
  const key = `${minor}\u0000${variables.join(',')}`;
  let env = environments.get(key);
  if (env) return env;
  let base = environments.get(`${minor}`);
  if (!base) {
    base = new Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true, homogeneousAggregateLiterals: true });
    registerLibraries(base, librariesOf(minor));
    environments.set(`${minor}`, base);
  }
  env = base.clone();
  for (const name of variables) env.registerVariable(name, name === 'authorizer' ? 'Authorizer' : 'dyn');
  environments.set(key, env);
  return env;
}

/** Compiles (parses, type-checks, validates) an expression; throws CelCompileError. */
export function compileCel(expression: string, options: CompileOptions): CelProgram {
  const minor = kubeMinor(options.kubeVersion ?? DEFAULT_KUBE_VERSION);
  const key = `${minor}\u0000${options.variables.join(',')}\u0000${(options.declaredVariables ?? []).join(',')}\u0000${expression}`;
  const cached = programs.get(key);
  if (cached) return cached;
  const env = environmentFor(minor, options.variables);
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    throw compileError(expression, error);
  }
  const checked = parsed.check();
  if (!checked.valid) throw compileError(expression, checked.error);
  const root = parsed.ast as unknown as AstNode;
  walk(root, (node) => validateNode(expression, node, options));
  walk(root, instrument);
  const program = new CelProgram(expression, (activation) => parsed(activation));
  if (programs.size >= MAX_CACHED_PROGRAMS) programs.delete(programs.keys().next().value as string);
  programs.set(key, program);
  return program;
}

/** What the API server's environment rejects that the library accepts. */
function validateNode(expression: string, node: AstNode, options: CompileOptions): void {
  const at = (reason: string): never => {
    throw positioned(expression, node.start ?? node.pos, reason);
  };
  if (node.op === 'rcall') {
    const [name, receiver, args] = node.args as [string, AstNode, AstNode[]];
    if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel') at("undeclared reference to 'cel.bind' (the bindings extension is not enabled in Kubernetes)");
    if (NOT_ENABLED_METHODS.has(name)) at(`found no matching overload for '${name}' (not in the Kubernetes CEL environment)`);
    if (['matches', 'find', 'findAll'].includes(name)) literalPattern(expression, args[0]);
  }
  if (node.op === 'call') {
    const [name, args] = node.args as [string, AstNode[]];
    if (name === 'matches' && args.length === 2) literalPattern(expression, args[1]);
  }
  if ((node.op === '.' || node.op === '.?') && options.declaredVariables) {
    const [target, field] = node.args as [AstNode, string];
    if (target.op === 'id' && target.args === 'variables' && !options.declaredVariables.includes(field)) {
      at(`undefined field '${field}' (no earlier variable of the policy is named so)`);
    }
  }
}

/** A literal pattern RE2 rejects is a compile error at the literal (the API server's ValidateRegexLiterals). */
function literalPattern(expression: string, node: AstNode | undefined): void {
  if (node?.op === 'value' && typeof node.args === 'string') {
    const error = re2Error(node.args);
    if (error) throw positioned(expression, node.start ?? node.pos, error);
  }
}

/**
 * RE2 for `matches` (the library's own uses JavaScript's RegExp), and the cost budget on
 * comprehensions: every run of one charges its iterations times the size of its body.
 */
function instrument(node: AstNode): void {
  if (node.op === 'rcall' && (node.args as unknown[])[0] === 'matches' && ((node.args as unknown[])[2] as unknown[]).length === 1) {
    node.handle = ((values: unknown[]) => matches(values[0], values[1])) as never;
  } else if (node.op === 'call' && (node.args as unknown[])[0] === 'matches' && ((node.args as unknown[])[1] as unknown[]).length === 2) {
    node.handle = ((values: unknown[]) => matches(values[0], values[1])) as never;
  } else if (node.op === 'comprehension' && node.handle) {
    const run = node.handle as (items: unknown, ...rest: unknown[]) => unknown;
    const step = (node.args as { step: AstNode }).step;
    let bodyCost = 1;
    walk(step, () => bodyCost++);
    node.handle = ((items: unknown, ...rest: unknown[]) => {
      charge(sizeCost(items) * bodyCost);
      return run(items, ...rest);
    }) as never;
  }
}

function matches(text: unknown, pattern: unknown): boolean {
  if (typeof text !== 'string' || typeof pattern !== 'string') throw new EvaluationError("found no matching overload for 'matches'");
  charge(sizeCost(text));
  try {
    return re2Matches(text, pattern);
  } catch (error) {
    throw new EvaluationError((error as Error).message);
  }
}

function compileError(expression: string, error: unknown): CelCompileError {
  const located = error as { range?: { start: number }; node?: { start?: number; pos?: number }; summary?: string; message?: string };
  const offset = located.range?.start ?? located.node?.start ?? located.node?.pos ?? 0;
  return positioned(expression, offset, firstLine(located.summary ?? located.message ?? String(error)));
}

function positioned(expression: string, offset: number, reason: string): CelCompileError {
  const before = expression.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return new CelCompileError(reason, line, column);
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** Validates a regular expression as RE2 would (for callers outside expressions). */
export function validateRegex(pattern: string): void {
  re2(pattern);
}
