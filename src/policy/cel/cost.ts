/**
 * A cost budget per evaluation, so a hostile expression cannot hang the tool. The API server's
 * `PerCallLimit` is 1,000,000 cost units per expression; its units are roughly "one per evaluated
 * node, plus the size of strings and lists functions walk". kubeward charges the work that can
 * grow without bound: every comprehension iteration (the nodes of its body), and functions that
 * build or walk lists and strings in proportion to their size. Straight-line code is bounded by
 * the expression's own size and costs nothing extra.
 */

/** The API server's per-expression limit (staging/src/k8s.io/apiserver/pkg/apis/cel/config.go PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;

export class CostLimitExceeded extends Error {
  override readonly name = 'CostLimitExceeded';
  constructor(readonly limit: number) {
    super(`operation cancelled: actual cost limit exceeded (${limit})`);
  }
}

/** The budget of the evaluation running now (evaluation is synchronous, so one is enough). */
let remaining = Number.POSITIVE_INFINITY;
let limit = Number.POSITIVE_INFINITY;
let spent = 0;

export function charge(units: number): void {
  spent += units;
  if (spent > remaining) throw new CostLimitExceeded(limit);
}

/** The cost the last evaluation run through `runWithBudget` used. */
let lastCost = 0;

export function lastEvaluationCost(): number {
  return lastCost;
}

/**
 * Runs `evaluate(argument)` with `budget` units and returns its result (the cost it used is then
 * `lastEvaluationCost()`). Nested runs (a variable evaluated inside an expression) keep the outer
 * budget intact. No allocation: this is on every expression's path.
 */
export function runWithBudget<A, T>(budget: number, evaluate: (argument: A) => T, argument: A): T {
  const savedRemaining = remaining;
  const savedLimit = limit;
  const savedSpent = spent;
  remaining = budget;
  limit = budget;
  spent = 0;
  try {
    return evaluate(argument);
  } finally {
    lastCost = spent;
    remaining = savedRemaining;
    limit = savedLimit;
    spent = savedSpent;
  }
}

/** The cost of walking a value: one per list element or map entry, one per ten characters of a string (as the API server counts string traversal). */
export function sizeCost(value: unknown): number {
  if (typeof value === 'string') return Math.ceil(value.length / 10);
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value && typeof value === 'object') return Object.keys(value).length;
  return 1;
}
