// Calendar periods (UTC; ISO weeks start on Monday), as the server defines
// them, and linear projections of a period's spend: all in BigInt micros.
import { divRound, fromMicros, toMicros } from './money';

export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'total';

export interface Bounds {
  start: Date;
  end: Date; // exclusive
}

/** The period containing `now`, or null for `total` (no end). */
export function periodBounds(period: Period, now: Date): Bounds | null {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (period) {
    case 'day':
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case 'week': {
      const dow = (now.getUTCDay() + 6) % 7; // Monday = 0
      return { start: new Date(Date.UTC(y, m, d - dow)), end: new Date(Date.UTC(y, m, d - dow + 7)) };
    }
    case 'month':
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
    case 'quarter': {
      const q = Math.floor(m / 3) * 3;
      return { start: new Date(Date.UTC(y, q, 1)), end: new Date(Date.UTC(y, q + 3, 1)) };
    }
    case 'year':
      return { start: new Date(Date.UTC(y, 0, 1)), end: new Date(Date.UTC(y + 1, 0, 1)) };
    case 'total':
      return null;
  }
}

/**
 * The spend expected by the period's end if it goes on at the average rate so
 * far: spent × length / elapsed. Null for `total` or when no time has passed.
 */
export function projectPeriodEnd(spent: string, period: Period, now: Date): string | null {
  const b = periodBounds(period, now);
  if (!b) return null;
  const elapsed = BigInt(now.getTime() - b.start.getTime());
  const length = BigInt(b.end.getTime() - b.start.getTime());
  if (elapsed <= 0n) return null;
  return fromMicros(divRound(toMicros(spent) * length, elapsed));
}

/**
 * The spend expected by the period's end from a recent burn: spent so far plus
 * `rate` (amount per `rateSeconds`) over the time left.
 */
export function projectFromRate(spent: string, rate: string, rateSeconds: number, period: Period, now: Date): string | null {
  const b = periodBounds(period, now);
  if (!b || rateSeconds <= 0) return null;
  const leftMs = BigInt(Math.max(0, b.end.getTime() - now.getTime()));
  return fromMicros(toMicros(spent) + divRound(toMicros(rate) * leftMs, BigInt(rateSeconds) * 1000n));
}

/** Amount per hour from a total over `seconds`. */
export function perHour(total: string, seconds: number): string {
  return fromMicros(divRound(toMicros(total) * 3600n, BigInt(seconds)));
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
