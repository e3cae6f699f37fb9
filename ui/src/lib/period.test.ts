import { describe, expect, it } from 'vitest';
import { perHour, periodBounds, projectFromRate, projectPeriodEnd } from './period';

const at = (s: string) => new Date(s);

describe('calendar periods (UTC)', () => {
  it('finds ISO weeks starting Monday', () => {
    const b = periodBounds('week', at('2026-12-06T10:00:00Z'))!; // a Sunday
    expect(b.start.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(b.end.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });
  it('finds months, quarters, years and days', () => {
    const now = at('2024-02-29T23:59:59Z');
    expect(periodBounds('month', now)!.end.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(periodBounds('quarter', now)!.start.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(periodBounds('quarter', at('2024-11-15T00:00:00Z'))!.end.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(periodBounds('year', now)!.end.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(periodBounds('day', now)!.start.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(periodBounds('total', now)).toBeNull();
  });
});

describe('projections', () => {
  it('projects linearly to the period end', () => {
    // 10 days into a 30-day month, 100 spent → 300.
    expect(projectPeriodEnd('100', 'month', at('2026-11-11T00:00:00Z'))).toBe('300');
    // Half a day, 0.000001 spent → 0.000002.
    expect(projectPeriodEnd('0.000001', 'day', at('2026-11-11T12:00:00Z'))).toBe('0.000002');
    // A third of a day → exact rounding to the micro-unit.
    expect(projectPeriodEnd('1', 'day', at('2026-11-11T08:00:00Z'))).toBe('3');
    expect(projectPeriodEnd('1', 'day', at('2026-11-11T07:00:00Z'))).toBe('3.428571');
    expect(projectPeriodEnd('5', 'total', at('2026-11-11T00:00:00Z'))).toBeNull();
    expect(projectPeriodEnd('5', 'day', at('2026-11-11T00:00:00Z'))).toBeNull();
  });
  it('projects from a recent burn rate', () => {
    // 6 hours left in the day at 2 per hour → spent + 12.
    expect(projectFromRate('10', '2', 3600, 'day', at('2026-11-11T18:00:00Z'))).toBe('22');
    expect(projectFromRate('10', '48', 86400, 'day', at('2026-11-11T18:00:00Z'))).toBe('22');
  });
  it('turns a total over a window into a rate per hour', () => {
    expect(perHour('48', 86400)).toBe('2');
    expect(perHour('0.5', 3600)).toBe('0.5');
    expect(perHour('1', 7200)).toBe('0.5');
  });
});
