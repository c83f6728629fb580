/**
 * Semantic versions for the CEL `semver` library (Kubernetes 1.33+), strict as blang/semver's
 * Parse; with `normalize` a leading `v`, missing minor/patch and leading zeros are accepted first.
 */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export class Semver {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: readonly string[],
    readonly text: string,
  ) {}

  static parse(text: string, normalize = false): Semver | undefined {
    const source = normalize ? normalizeSemver(text) : text;
    const match = SEMVER.exec(source);
    if (!match) return undefined;
    return new Semver(BigInt(match[1]), BigInt(match[2]), BigInt(match[3]), match[4] ? match[4].split('.') : [], source);
  }

  compareTo(other: Semver): bigint {
    for (const key of ['major', 'minor', 'patch'] as const) {
      if (this[key] !== other[key]) return this[key] < other[key] ? -1n : 1n;
    }
    // A version without pre-release identifiers ranks above one with them.
    if (this.pre.length === 0 || other.pre.length === 0) return BigInt(Math.sign(other.pre.length - this.pre.length));
    for (let index = 0; index < Math.min(this.pre.length, other.pre.length); index++) {
      const order = comparePre(this.pre[index], other.pre[index]);
      if (order) return BigInt(order);
    }
    return BigInt(Math.sign(this.pre.length - other.pre.length));
  }

  toString(): string {
    return this.text;
  }
}

function comparePre(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(BigInt(a) - BigInt(b)));
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** As the Kubernetes semver library's normalize: strip `v`, pad to three parts, drop leading zeros. */
function normalizeSemver(text: string): string {
  let rest = text.startsWith('v') ? text.slice(1) : text;
  let suffix = '';
  const cut = rest.search(/[-+]/);
  if (cut >= 0) {
    suffix = rest.slice(cut);
    rest = rest.slice(0, cut);
  }
  const parts = rest.split('.');
  if (parts.length > 3 || parts.some((part) => !/^\d+$/.test(part))) return text;
  while (parts.length < 3) parts.push('0');
  return `${parts.map((part) => String(BigInt(part))).join('.')}${suffix}`;
}
