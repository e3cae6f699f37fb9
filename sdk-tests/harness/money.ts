// Money as the API writes it: decimal strings with at most 6 fractional digits, compared as integer
// micro-units (BigInt), never as floats.

/** "0.00075" → 750n. Throws on anything that is not a non-negative decimal with ≤ 6 decimals. */
export function micro(amount: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(amount);
  if (!m) throw new Error(`not an amount: ${JSON.stringify(amount)}`);
  return BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** 750n → "0.00075" (no trailing zeros; "0" for zero). */
export function decimal(micros: bigint): string {
  const whole = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

export interface Prices {
  input: string;
  output: string;
  cached_input?: string;
}

/**
 * The contract's cost of one call, in micro-units: ceil((uncached × input + cached × cached_input +
 * output × output) / 1,000,000), prices being money per 1M tokens. Cached input without a cached
 * price is priced as input.
 */
export function llmCostMicro(p: Prices, t: { uncached: number; cached: number; output: number }): bigint {
  const cachedPrice = p.cached_input ?? p.input;
  const total = BigInt(t.uncached) * micro(p.input) + BigInt(t.cached) * micro(cachedPrice) + BigInt(t.output) * micro(p.output);
  return (total + 999_999n) / 1_000_000n;
}
