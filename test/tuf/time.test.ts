import { describe, expect, it } from 'vitest';
import { TufError } from '../../src/tuf/errors.js';
import {
  DEFAULT_LIFETIME_DAYS,
  defaultExpires,
  defaultLifetimeDays,
  expiryState,
  isExpired,
  isNearExpiry,
  describeTimeLeft,
  parseDuration,
} from '../../src/tuf/expiry.js';
import { expiresAfter, GoTime } from '../../src/tuf/time.js';

describe('GoTime parsing and RFC3339Nano formatting', () => {
  it.each([
    '2029-11-24T16:26:39.55734716Z', // captured: Go trimmed the ninth digit (a zero)
    '2036-11-22T16:25:18.095438141Z',
    '2026-12-09T16:25:55.321344784Z',
    '2017-03-14T10:41:16.123-08:00', // an offset as in moby/moby#31670
    '2020-01-01T00:00:00+05:30',
    '0001-01-01T00:00:00Z',
  ])('re-formats %s unchanged', (text) => {
    expect(GoTime.parse(text).toString()).toBe(text);
  });

  it.each([
    ['2029-11-24T16:26:39.557347160Z', '2029-11-24T16:26:39.55734716Z'],
    ['2029-11-24T16:26:39.000000000Z', '2029-11-24T16:26:39Z'],
    ['2029-11-24T16:26:39.5Z', '2029-11-24T16:26:39.5Z'],
    ['2029-11-24T16:26:39.1234567891234Z', '2029-11-24T16:26:39.123456789Z'], // Go keeps nine digits
    ['2029-11-24T16:26:39,25Z', '2029-11-24T16:26:39.25Z'],
    ['2029-11-24T16:26:39+00:00', '2029-11-24T16:26:39Z'], // Go writes a zero offset as Z
    ['2029-11-24T16:26:39-00:00', '2029-11-24T16:26:39Z'],
    ['2017-03-14T10:41:16.5000-08:00', '2017-03-14T10:41:16.5-08:00'],
  ])('normalises %s to %s as Go re-formats it', (input, output) => {
    expect(GoTime.parse(input).toString()).toBe(output);
  });

  it.each([
    '2029-11-24 16:26:39Z',
    '2029-11-24T16:26:39',
    '2029-11-24t16:26:39z',
    '2029-02-30T00:00:00Z',
    '2028-13-01T00:00:00Z',
    '2029-11-24T24:00:00Z',
    '2029-11-24T23:59:60Z',
    '2029-11-24T16:26:39+24:00',
    '2029-11-24T16:26:39.Z',
  ])('rejects %s', (text) => {
    expect(() => GoTime.parse(text)).toThrow(TufError);
  });

  it('accepts 29 February only in leap years', () => {
    expect(GoTime.parse('2028-02-29T00:00:00Z').toString()).toBe('2028-02-29T00:00:00Z');
    expect(() => GoTime.parse('2100-02-29T00:00:00Z')).toThrow(/day out of range/);
  });

  it('agrees with Date on the instant, including offsets', () => {
    const t = GoTime.parse('2017-03-14T10:41:16.123456-08:00');
    expect(t.epochMs).toBe(Date.parse('2017-03-14T18:41:16.123Z'));
    expect(t.inUtc().toString()).toBe('2017-03-14T18:41:16.123456Z');
    expect(GoTime.fromDate(new Date('1999-12-31T23:59:59.999Z')).toString()).toBe('1999-12-31T23:59:59.999Z');
  });

  it('compares with nanosecond precision, across offsets', () => {
    const a = GoTime.parse('2029-11-24T16:26:39.000000001Z');
    const b = GoTime.parse('2029-11-24T16:26:39.000000002Z');
    expect(a.isBefore(b)).toBe(true);
    expect(b.isAfter(a)).toBe(true);
    expect(a.epochMs).toBe(b.epochMs);
    expect(GoTime.parse('2029-11-24T08:26:39-08:00').equals(GoTime.parse('2029-11-24T16:26:39Z'))).toBe(true);
  });

  it('adds durations and calendar months like Go', () => {
    const t = GoTime.parse('2026-11-25T16:25:18.095438141Z');
    expect(t.plusDays(3650).toString()).toBe('2036-11-22T16:25:18.095438141Z'); // captured root expiry
    expect(t.plusMilliseconds(999).toString()).toBe('2026-11-25T16:25:19.094438141Z');
    // AddDate normalises: 31 August + 6 months = "31 February" = 3 March.
    expect(GoTime.parse('2025-08-31T12:00:00Z').addDate(0, 6, 0).toString()).toBe('2026-03-03T12:00:00Z');
    expect(GoTime.parse('2025-12-31T23:00:00-08:00').addDate(0, 2, 0).toString()).toBe('2026-03-03T23:00:00-08:00');
  });

  it('formats the current time in UTC with trailing zeros trimmed', () => {
    const text = GoTime.now().toString();
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,8}[1-9])?Z$/);
    expect(Math.abs(GoTime.parse(text).epochMs - Date.now())).toBeLessThan(5000);
  });

  it('builds "now + duration" expiries in UTC', () => {
    const now = GoTime.parse('2026-11-25T08:25:55.32134478-08:00');
    expect(expiresAfter(14 * 86_400_000, now).toString()).toBe('2026-12-09T16:25:55.32134478Z');
  });
});

describe('expiry defaults (notary NotaryDefaultExpiries)', () => {
  const now = GoTime.parse('2026-11-25T16:25:55.321344784Z');

  it('uses 10 years for root, 3 for targets, delegations and snapshot, 14 days for timestamp', () => {
    expect(DEFAULT_LIFETIME_DAYS).toEqual({ root: 3650, targets: 1095, snapshot: 1095, timestamp: 14 });
    expect(defaultLifetimeDays('targets/releases/qa')).toBe(1095);
    expect(defaultExpires('timestamp', now).toString()).toBe('2026-12-09T16:25:55.321344784Z'); // captured
    expect(defaultExpires('targets/releases', now).toString()).toBe('2029-11-24T16:25:55.321344784Z');
    expect(() => defaultLifetimeDays('targets/Bad')).toThrow(/not a TUF role/);
  });

  it('warns within six calendar months, and flags expired roles', () => {
    const now2 = GoTime.parse('2026-01-15T00:00:00Z');
    expect(isNearExpiry(GoTime.parse('2026-07-14T23:59:59Z'), now2)).toBe(true);
    expect(isNearExpiry(GoTime.parse('2026-07-15T00:00:00Z'), now2)).toBe(false);
    expect(isExpired(GoTime.parse('2026-01-14T23:59:59Z'), now2)).toBe(true);
    expect(expiryState(GoTime.parse('2026-01-14T00:00:00Z'), now2)).toBe('expired');
    expect(expiryState(GoTime.parse('2026-03-01T00:00:00Z'), now2)).toBe('expires-soon');
    expect(expiryState(GoTime.parse('2029-03-01T00:00:00Z'), now2)).toBe('valid');
  });
});

describe('durations for lifetimes and windows (src/tuf/expiry.ts)', () => {
  it('parses 30d, 12h, 2w, 1y and sums; refuses zero, decimals and unknown units', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2W')).toBe(14 * 86_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    for (const bad of ['0d', '1.5d', '10', 'd', '3 months', '-1d']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('says time left with the two largest units, and how long ago something expired', () => {
    expect(describeTimeLeft((3 * 86_400 + 4 * 3600 + 5) * 1000)).toBe('3d 4h');
    expect(describeTimeLeft(3650 * 86_400_000)).toBe('10y');
    expect(describeTimeLeft(65_000)).toBe('1m 5s');
    expect(describeTimeLeft(-7_200_000)).toBe('expired 2h ago');
    expect(describeTimeLeft(400)).toBe('0s');
  });
});
