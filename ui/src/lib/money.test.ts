import { describe, expect, it } from 'vitest';
import { add, compare, formatMoney, formatMoneyShort, fromMicros, isAmount, percent, percentClamped, scale, sub, sum, toMicros } from './money';

describe('decimal strings ↔ micro-units', () => {
  it('parses exactly', () => {
    expect(toMicros('0.25')).toBe(250_000n);
    expect(toMicros('12')).toBe(12_000_000n);
    expect(toMicros('0.000001')).toBe(1n);
    expect(toMicros('-3.5')).toBe(-3_500_000n);
    expect(toMicros('9223372036854.775807')).toBe(9_223_372_036_854_775_807n);
  });
  it('refuses what is not an amount', () => {
    for (const bad of ['', '1.0000001', '1e3', 'abc', '1,5', '.5', 'NaN']) expect(() => toMicros(bad)).toThrow();
    expect(isAmount('0')).toBe(false);
    expect(isAmount('-1')).toBe(false);
    expect(isAmount('5.00')).toBe(true);
    expect(isAmount('0.1234567')).toBe(false);
  });
  it('writes canonical strings', () => {
    expect(fromMicros(250_000n)).toBe('0.25');
    expect(fromMicros(12_000_000n)).toBe('12');
    expect(fromMicros(-1n)).toBe('-0.000001');
    expect(fromMicros(0n)).toBe('0');
  });
});

describe('arithmetic without floats', () => {
  it('adds where floats fail', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sum(['0.000001', '0.000002', '1'])).toBe('1.000003');
    expect(sub('100', '0.000001')).toBe('99.999999');
    expect(sub('1', '2.5')).toBe('-1.5');
    expect(add('9007199254740.993', '0.000001')).toBe('9007199254740.993001');
  });
  it('compares', () => {
    expect(compare('1.10', '1.1')).toBe(0);
    expect(compare('0.000001', '0')).toBe(1);
    expect(compare('-2', '1')).toBe(-1);
  });
  it('computes percentages', () => {
    expect(percent('25', '100')).toBe('25.0');
    expect(percent('1', '3')).toBe('33.3');
    expect(percent('2', '3')).toBe('66.7');
    expect(percent('150', '100', 0)).toBe('150');
    expect(percent('1', '0')).toBeNull();
    expect(percentClamped('150', '100')).toBe(100);
    expect(percentClamped('0.5', '100')).toBe(1);
    expect(percentClamped('-5', '100')).toBe(0);
  });
  it('scales with rounding to the micro-unit', () => {
    expect(scale('10', 1n, 3n)).toBe('3.333333');
    expect(scale('20', 1n, 3n)).toBe('6.666667');
    expect(scale('1', 31n, 7n)).toBe('4.428571');
  });
});

describe('formatting with the currency', () => {
  it('formats USD with at least two decimals, exactly', () => {
    expect(formatMoney('1234.5')).toBe('$1,234.50');
    expect(formatMoney('0.000125')).toBe('$0.000125');
    expect(formatMoney('-3')).toBe('-$3.00');
    expect(formatMoney('1000000')).toBe('$1,000,000.00');
  });
  it('uses other currencies', () => {
    expect(formatMoney('12.5', 'EUR')).toBe('€12.50');
    expect(formatMoney('7', 'GBP')).toBe('£7.00');
    expect(formatMoney('7', 'CHF')).toMatch(/^CHF.?7\.00$/);
  });
  it('shortens to cents by rounding', () => {
    expect(formatMoneyShort('1.005')).toBe('$1.01');
    expect(formatMoneyShort('0.004999')).toBe('$0.00');
  });
});
