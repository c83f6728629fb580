/**
 * Kubernetes resource.Quantity for the CEL `quantity` library: `quantity('500m')`, `isQuantity`,
 * and exact arithmetic and comparison (a rational of two bigints, never a float).
 */
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]))?$/;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}

export class Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;

  constructor(numerator: bigint, denominator = 1n, readonly text = '') {
    const divisor = gcd(numerator, denominator);
    this.numerator = numerator / divisor;
    this.denominator = denominator / divisor;
  }

  static parse(text: string): Quantity | undefined {
    const match = QUANTITY.exec(text);
    if (!match) return undefined;
    const [, sign, whole = '', fraction = '', exponent, binary, decimal] = match;
    if (whole === '' && fraction === '') return undefined;
    let numerator = BigInt(`${whole}${fraction}` || '0');
    let denominator = 10n ** BigInt(fraction.length);
    let power = 0;
    if (exponent) power = Number(exponent.slice(1));
    if (decimal) power = DECIMAL_SUFFIX[decimal];
    if (Math.abs(power) > 1000) return undefined;
    if (power > 0) numerator *= 10n ** BigInt(power);
    if (power < 0) denominator *= 10n ** BigInt(-power);
    if (binary) numerator *= 1n << BINARY_SUFFIX[binary];
    if (sign === '-') numerator = -numerator;
    return new Quantity(numerator, denominator, text);
  }

  isInteger(): boolean {
    return this.denominator === 1n;
  }

  /** The value as an int, or an error when it has a fraction or does not fit int64. */
  asInteger(): bigint {
    if (!this.isInteger() || this.numerator > INT64_MAX || this.numerator < INT64_MIN) throw new Error('cannot convert value to integer');
    return this.numerator;
  }

  asApproximateFloat(): number {
    return Number(this.numerator) / Number(this.denominator);
  }

  sign(): bigint {
    return this.numerator > 0n ? 1n : this.numerator < 0n ? -1n : 0n;
  }

  add(other: Quantity | bigint): Quantity {
    const that = typeof other === 'bigint' ? new Quantity(other) : other;
    return new Quantity(this.numerator * that.denominator + that.numerator * this.denominator, this.denominator * that.denominator);
  }

  sub(other: Quantity | bigint): Quantity {
    const that = typeof other === 'bigint' ? new Quantity(other) : other;
    return this.add(new Quantity(-that.numerator, that.denominator));
  }

  compareTo(other: Quantity): bigint {
    const left = this.numerator * other.denominator;
    const right = other.numerator * this.denominator;
    return left < right ? -1n : left > right ? 1n : 0n;
  }

  toString(): string {
    if (this.text) return this.text;
    return this.isInteger() ? this.numerator.toString() : String(this.asApproximateFloat());
  }
}
