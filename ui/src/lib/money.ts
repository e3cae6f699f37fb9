// Money in the browser, without floats: amounts arrive as decimal strings
// (at most 6 fractional digits, the org's currency) and every computation
// runs on BigInt micro-units (1 unit = 1,000,000 micros).

export const MICROS = 1_000_000n;
const AMOUNT_RE = /^([+-])?(\d+)(?:\.(\d{1,6}))?$/;

/** Parses a decimal string ("0.25", "-3", "12.000001") into micro-units. Throws on anything else. */
export function toMicros(amount: string | bigint): bigint {
  if (typeof amount === 'bigint') return amount;
  const m = AMOUNT_RE.exec(amount.trim());
  if (!m) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  const whole = BigInt(m[2]);
  const frac = BigInt((m[3] ?? '').padEnd(6, '0'));
  const v = whole * MICROS + frac;
  return m[1] === '-' ? -v : v;
}

/** True when `s` is a decimal amount the API accepts in a request (positive, ≤ 6 decimals). */
export function isAmount(s: string): boolean {
  return /^\d+(\.\d{1,6})?$/.test(s.trim()) && toMicros(s) > 0n;
}

/** The canonical decimal string of micro-units: no trailing zeros ("0.25", "12", "-0.000001"). */
export function fromMicros(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const whole = abs / MICROS;
  let frac = (abs % MICROS).toString().padStart(6, '0').replace(/0+$/, '');
  const s = frac ? `${whole}.${frac}` : `${whole}`;
  return neg ? `-${s}` : s;
}

export function add(...xs: (string | bigint)[]): string {
  return fromMicros(xs.reduce<bigint>((acc, x) => acc + toMicros(x), 0n));
}

export function sub(a: string | bigint, b: string | bigint): string {
  return fromMicros(toMicros(a) - toMicros(b));
}

export function sum(xs: Iterable<string | bigint>): string {
  let acc = 0n;
  for (const x of xs) acc += toMicros(x);
  return fromMicros(acc);
}

export function compare(a: string | bigint, b: string | bigint): number {
  const x = toMicros(a);
  const y = toMicros(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Divides rounding half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (2n * ad);
  return neg ? -q : q;
}

/**
 * part / whole as a percentage string with `decimals` digits ("42.5").
 * Returns null when whole is zero (undefined percentage).
 */
export function percent(part: string | bigint, whole: string | bigint, decimals = 1): string | null {
  const w = toMicros(whole);
  if (w === 0n) return null;
  const scale = 10n ** BigInt(decimals);
  const v = divRound(toMicros(part) * 100n * scale, w);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole_ = a / scale;
  const frac = decimals > 0 ? '.' + (a % scale).toString().padStart(decimals, '0') : '';
  return `${neg ? '-' : ''}${whole_}${frac}`;
}

/** Percentage as an integer clamped to [0, 100], for bar widths. */
export function percentClamped(part: string | bigint, whole: string | bigint): number {
  const w = toMicros(whole);
  if (w <= 0n) return 0;
  const v = divRound(toMicros(part) * 100n, w);
  return Number(v < 0n ? 0n : v > 100n ? 100n : v);
}

/** amount × num / den, rounded to the micro-unit. */
export function scale(amount: string | bigint, num: bigint, den: bigint): string {
  return fromMicros(divRound(toMicros(amount) * num, den));
}

interface CurrencyStyle {
  prefix: string;
  suffix: string;
}
const styles = new Map<string, CurrencyStyle>();

function currencyStyle(currency: string): CurrencyStyle {
  let s = styles.get(currency);
  if (s) return s;
  s = { prefix: `${currency} `, suffix: '' };
  try {
    // Only the constant 1 goes through Intl, to learn the symbol and its side.
    const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(1);
    const i = parts.findIndex((p) => p.type === 'currency');
    const n = parts.findIndex((p) => p.type === 'integer');
    if (i >= 0) {
      const sym = parts[i].value;
      const spaced = parts.some((p) => p.type === 'literal' && p.value.trim() === '');
      s = i < n ? { prefix: sym + (spaced ? '\u00a0' : ''), suffix: '' } : { prefix: '', suffix: (spaced ? '\u00a0' : '') + sym };
    }
  } catch {
    /* unknown code: "XYZ 1.00" */
  }
  styles.set(currency, s);
  return s;
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Formats an amount with the org's currency: at least 2 decimals, more only
 * when the amount has them (exact, never rounded): "$1,234.50", "$0.000125",
 * "-$3.00".
 */
export function formatMoney(amount: string | bigint, currency = 'USD'): string {
  const micros = toMicros(amount);
  const neg = micros < 0n;
  const s = fromMicros(neg ? -micros : micros);
  const [whole, frac = ''] = s.split('.');
  const st = currencyStyle(currency);
  return `${neg ? '-' : ''}${st.prefix}${group(whole)}.${frac.padEnd(2, '0')}${st.suffix}`;
}

/** Compact form for axes and chips: 2 decimals, rounded half away from zero ("$1,234.57"). */
export function formatMoneyShort(amount: string | bigint, currency = 'USD'): string {
  const cents = divRound(toMicros(amount), 10_000n);
  return formatMoney(cents * 10_000n, currency);
}

/** A number for chart coordinates only (display, never arithmetic); exact to the cent. */
export function toChartNumber(amount: string | bigint): number {
  return Number(divRound(toMicros(amount), 10_000n)) / 100;
}
