/**
 * Macros the API server has and @marcbachmann/cel-js does not: cel-go's two-variable
 * comprehensions (1.32: `all(k, v, p)`, `exists`, `existsOne`, `transformList`, `transformMap`,
 * `transformMapEntry`), the lists extension's `sortBy` (1.34), and the optional library's
 * `optMap`/`optFlatMap`. Each iteration is charged to the cost budget.
 */
import { EvaluationError, Optional, type Environment } from '@marcbachmann/cel-js';
import { charge } from './cost.js';
import { nodeCount, type AstNode } from './ast.js';
import type { Library } from './versions.js';

/** The parts of the library's checker, evaluator and contexts a macro uses. */
interface Checker {
  check(node: AstNode, context: unknown): unknown;
  createError(code: string, message: string, node: AstNode): Error;
  dynType: unknown;
  boolType: unknown;
  registry: { getType(name: string): unknown };
}
interface Evaluator {
  run(node: AstNode, context: unknown): unknown;
}
interface Overlay {
  forkWithVariable(name: string, type: unknown): Overlay;
  reuse(parent: unknown): Overlay;
  setIterValue(value: unknown, evaluator: Evaluator): Overlay;
}

interface Macro {
  receiver: AstNode;
  args: AstNode[];
  /** Context for the first variable, then the second (when there is one). */
  first?: Overlay;
  second?: Overlay;
  bodyCost: number;
}

type Expander = { args: AstNode[]; receiver: AstNode; ast: AstNode };

function identifier(node: AstNode, what: string): string {
  if (node.op === 'id' && typeof node.args === 'string') return node.args;
  throw new EvaluationError(`${what}: argument must be a simple name`);
}

/** (index, value) of a list, (key, value) of a map. */
function entries(value: unknown): [unknown, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [BigInt(index), item]);
  if (value instanceof Map) return [...value];
  if (value && typeof value === 'object') return Object.entries(value);
  throw new EvaluationError(`expression of type '${value === null ? 'null' : typeof value}' cannot be the range of a comprehension`);
}

function asBool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new EvaluationError(`${what} must return bool`);
  return value;
}

/**
 * Registers a macro `name` taking `variables` names then `bodies` expressions. `run` gets an
 * iterator over the receiver's entries, each yielding a function that evaluates body `i`.
 */
function defineMacro(
  env: Environment,
  name: string,
  variables: 1 | 2,
  bodies: number,
  resultType: (checker: Checker) => unknown,
  run: (receiver: unknown, each: (visit: (key: unknown, value: unknown, body: (index: number) => unknown) => boolean | void) => void) => unknown,
): void {
  const arity = variables + bodies;
  const signature = `dyn.${name}(${Array.from({ length: arity }, () => 'ast').join(', ')}): dyn`;
  env.registerFunction(signature, (({ args, receiver }: Expander) => {
    const macro: Macro = { receiver, args, bodyCost: 1 };
    const names = args.slice(0, variables).map((node) => identifier(node, name));
    const expressions = args.slice(variables);
    return {
      receiver,
      args,
      async: false,
      typeCheck(checker: Checker, _macro: unknown, context: Overlay) {
        checker.check(receiver, context);
        macro.first = context.forkWithVariable(names[0], checker.dynType);
        macro.second = variables === 2 ? macro.first.forkWithVariable(names[1], checker.dynType) : undefined;
        const inner = macro.second ?? macro.first;
        for (const expression of expressions) checker.check(expression, inner);
        macro.bodyCost = 1 + expressions.reduce((total, expression) => total + nodeCount(expression), 0);
        return resultType(checker);
      },
      evaluate(evaluator: Evaluator, _macro: unknown, context: unknown) {
        const value = evaluator.run(receiver, context);
        const first = (macro.first as Overlay).reuse(context);
        const second = macro.second;
        const inner = second ?? first;
        return run(value, (visit) => {
          for (const [key, item] of variables === 2 ? entries(value) : entries(value).map(([, item]) => [item, item] as [unknown, unknown])) {
            charge(macro.bodyCost);
            if (variables === 2) {
              first.setIterValue(key, evaluator);
              (second as Overlay).setIterValue(item, evaluator);
            } else {
              first.setIterValue(item, evaluator);
            }
            if (visit(key, item, (index) => evaluator.run(expressions[index], inner)) === false) return;
          }
        });
      },
    };
  }) as never);
}

export function registerMacros(env: Environment, libraries: ReadonlySet<Library>): void {
  if (libraries.has('two-var-comprehensions')) {
    for (const [name, stopOn] of [
      ['all', false],
      ['exists', true],
    ] as const) {
      defineMacro(env, name, 2, 1, (checker) => checker.boolType, (_receiver, each) => {
        let error: unknown;
        let decided = false;
        each((_key, _value, body) => {
          try {
            if (asBool(body(0), `${name}() predicate`) === stopOn) {
              decided = true;
              return false;
            }
          } catch (caught) {
            error ??= caught;
          }
          return true;
        });
        if (decided) return stopOn;
        if (error) throw error;
        return !stopOn;
      });
    }
    defineMacro(env, 'existsOne', 2, 1, (checker) => checker.boolType, (_receiver, each) => {
      let count = 0;
      each((_key, _value, body) => {
        if (asBool(body(0), 'existsOne() predicate')) count++;
        return count <= 1;
      });
      return count === 1;
    });
    for (const filtered of [false, true]) {
      const bodies = filtered ? 2 : 1;
      const keep = (body: (index: number) => unknown) => !filtered || asBool(body(0), 'filter');
      defineMacro(env, 'transformList', 2, bodies, (checker) => checker.registry.getType('list<dyn>'), (_receiver, each) => {
        const result: unknown[] = [];
        each((_key, _value, body) => {
          if (keep(body)) result.push(body(bodies - 1));
        });
        return result;
      });
      defineMacro(env, 'transformMap', 2, bodies, (checker) => checker.registry.getType('map<dyn, dyn>'), (receiver, each) => {
        const result = new Map<unknown, unknown>();
        each((key, _value, body) => {
          if (keep(body)) result.set(key, body(bodies - 1));
        });
        return plainMap(result, receiver);
      });
      defineMacro(env, 'transformMapEntry', 2, bodies, (checker) => checker.registry.getType('map<dyn, dyn>'), (receiver, each) => {
        const result = new Map<unknown, unknown>();
        each((_key, _value, body) => {
          if (!keep(body)) return;
          const entry = body(bodies - 1);
          const pairs = entry instanceof Map ? [...entry] : entry && typeof entry === 'object' ? Object.entries(entry) : [];
          if (pairs.length !== 1) throw new EvaluationError('transformMapEntry() must return a map of one entry');
          const [key, value] = pairs[0];
          if (result.has(key)) throw new EvaluationError(`insert failed: key ${String(key)} already exists`);
          result.set(key, value);
        });
        return plainMap(result, receiver);
      });
    }
  }

  if (libraries.has('lists-v3')) {
    defineMacro(env, 'sortBy', 1, 1, (checker) => checker.registry.getType('list<dyn>'), (receiver, each) => {
      if (!Array.isArray(receiver)) throw new EvaluationError('sortBy() needs a list');
      const keyed: { key: unknown; item: unknown }[] = [];
      each((_key, item, body) => {
        keyed.push({ key: body(0), item });
      });
      charge(keyed.length * Math.max(1, Math.ceil(Math.log2(keyed.length + 1))));
      return keyed.sort((a, b) => order(a.key, b.key)).map(({ item }) => item);
    });
  }

  for (const flat of [false, true]) {
    const name = flat ? 'optFlatMap' : 'optMap';
    env.registerFunction(`dyn.${name}(ast, ast): dyn`, (({ args, receiver }: Expander) => {
      const variable = identifier(args[0], name);
      let scope: Overlay | undefined;
      return {
        receiver,
        args,
        async: false,
        typeCheck(checker: Checker, _macro: unknown, context: Overlay) {
          checker.check(receiver, context);
          scope = context.forkWithVariable(variable, checker.dynType);
          checker.check(args[1], scope);
          return checker.registry.getType('optional<dyn>');
        },
        evaluate(evaluator: Evaluator, _macro: unknown, context: unknown) {
          const value = evaluator.run(receiver, context);
          if (!(value instanceof Optional)) throw new EvaluationError(`${name}() needs an optional value`);
          if (!value.hasValue()) return value;
          const inner = (scope as Overlay).reuse(context).setIterValue(value.value(), evaluator);
          const result = evaluator.run(args[1], inner);
          if (!flat) return Optional.of(result);
          if (!(result instanceof Optional)) throw new EvaluationError('optFlatMap() expression must return an optional');
          return result;
        },
      };
    }) as never);
  }
}

/** Maps built from plain-object maps stay plain objects when every key is a string. */
function plainMap(result: Map<unknown, unknown>, receiver: unknown): unknown {
  if (receiver instanceof Map || [...result.keys()].some((key) => typeof key !== 'string')) return result;
  const object: Record<string, unknown> = Object.create(null);
  for (const [key, value] of result) object[key as string] = value;
  return object;
}

function order(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new EvaluationError('sortBy() keys must be comparable values of one type');
}
