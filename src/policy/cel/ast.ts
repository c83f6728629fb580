/** Walking @marcbachmann/cel-js's AST (after macro expansion) for the checks and instrumentation kubeward adds. */

export interface AstNode {
  op: string;
  args: unknown;
  pos: number;
  start: number;
  end: number;
  input: string;
  meta: { alternate?: AstNode; macro?: { receiver?: AstNode; args?: AstNode[] } };
  handle?: (...values: never[]) => unknown;
  checkedType?: unknown;
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string' && 'args' in value && 'meta' in value;
}

/** The nodes directly below `node`, as evaluation sees them (a macro's expansion, not its call). */
export function children(node: AstNode): AstNode[] {
  const alternate = node.meta.alternate;
  if (alternate) return [alternate];
  const macro = node.meta.macro;
  if (macro) return [macro.receiver, ...(macro.args ?? [])].filter(isNode);
  if (node.op === 'comprehension') {
    const args = node.args as { iterable: AstNode; init: AstNode; step: AstNode };
    return [args.iterable, args.init, args.step].filter(isNode);
  }
  const found: AstNode[] = [];
  const collect = (value: unknown) => {
    if (isNode(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
  };
  collect(node.args);
  return found;
}

/** Visits every node, parents first. */
export function walk(node: AstNode, visit: (node: AstNode) => void): void {
  visit(node);
  for (const child of children(node)) walk(child, visit);
}

export function nodeCount(node: AstNode): number {
  let count = 0;
  walk(node, () => count++);
  return count;
}
