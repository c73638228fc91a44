// `expires` timestamps as Go reads and writes them.
//
// Go marshals time.Time as RFC3339Nano: nanosecond fraction with trailing zeros trimmed (no fraction
// at all when it is zero), `Z` for a zero offset, otherwise the time's own offset. JavaScript's Date
// keeps milliseconds only, so the value is held as whole seconds + nanoseconds + offset.
import { TufError } from './errors.js';

const NANOS_PER_SECOND = 1_000_000_000;
const SECONDS_PER_DAY = 86_400;

// Go's time.Parse(RFC3339) (go1.19, notary's build): the fraction may have any number of digits
// (only the first nine count) and may follow a comma; the zone is `Z` or ±hh:mm.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithms).
// Unlike Date.UTC they also work for years 0–99 and normalise out-of-range days, like Go's Date().
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** An instant with nanosecond precision and the UTC offset it was written with. */
export class GoTime {
  private constructor(
    /** Whole seconds since the Unix epoch (UTC). */
    readonly unixSeconds: number,
    /** 0 … 999 999 999. */
    readonly nanos: number,
    /** The zone offset in minutes east of UTC; 0 is written as `Z`. */
    readonly offsetMinutes: number,
  ) {}

  /** Parses an RFC 3339 timestamp as Go's time.Parse does; throws TufError saying what is wrong. */
  static parse(text: string): GoTime {
    const m = RFC3339.exec(text);
    if (!m) throw new TufError(`${JSON.stringify(text)} is not an RFC 3339 timestamp`);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    if (month < 1 || month > 12) throw new TufError(`${JSON.stringify(text)}: month out of range`);
    if (day < 1 || day > daysInMonth(year, month)) throw new TufError(`${JSON.stringify(text)}: day out of range`);
    if (hour > 23 || minute > 59 || second > 59) throw new TufError(`${JSON.stringify(text)}: time of day out of range`);
    const nanos = m[7] ? Number(m[7].slice(0, 9).padEnd(9, '0')) : 0;
    let offsetMinutes = 0;
    if (!m[8]) {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) throw new TufError(`${JSON.stringify(text)}: time zone offset out of range`);
      offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const wallSeconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    return new GoTime(wallSeconds - offsetMinutes * 60, nanos, offsetMinutes);
  }

  /** Milliseconds since the epoch plus an optional sub-millisecond part (0 … 999 999 ns); UTC. */
  static fromEpochMs(ms: number, extraNanos = 0): GoTime {
    if (!Number.isSafeInteger(ms) || !Number.isInteger(extraNanos) || extraNanos < 0 || extraNanos >= 1_000_000) {
      throw new RangeError('fromEpochMs needs integer milliseconds and 0 ≤ extraNanos < 1e6');
    }
    const seconds = Math.floor(ms / 1000);
    return new GoTime(seconds, (ms - seconds * 1000) * 1_000_000 + extraNanos, 0);
  }

  static fromDate(date: Date): GoTime {
    return GoTime.fromEpochMs(date.getTime());
  }

  /**
   * The current time in UTC. Milliseconds come from the wall clock; the digits below a millisecond
   * from the high-resolution timer, so values look like Go's (up to nine fraction digits).
   */
  static now(): GoTime {
    return GoTime.fromEpochMs(Date.now(), Number(process.hrtime.bigint() % 1_000_000n));
  }

  /** Milliseconds since the epoch (sub-millisecond digits dropped), for comparisons with Date. */
  get epochMs(): number {
    return this.unixSeconds * 1000 + Math.floor(this.nanos / 1_000_000);
  }

  toDate(): Date {
    return new Date(this.epochMs);
  }

  /** The same instant written in UTC (`Z`), as Go on a UTC machine writes the times it creates. */
  inUtc(): GoTime {
    return new GoTime(this.unixSeconds, this.nanos, 0);
  }

  compare(other: GoTime): number {
    return this.unixSeconds - other.unixSeconds || this.nanos - other.nanos;
  }

  isBefore(other: GoTime): boolean {
    return this.compare(other) < 0;
  }

  isAfter(other: GoTime): boolean {
    return this.compare(other) > 0;
  }

  /** Same instant (offsets may differ). */
  equals(other: GoTime): boolean {
    return this.compare(other) === 0;
  }

  plusSeconds(seconds: number): GoTime {
    if (!Number.isInteger(seconds)) throw new RangeError('plusSeconds needs whole seconds');
    return new GoTime(this.unixSeconds + seconds, this.nanos, this.offsetMinutes);
  }

  plusMilliseconds(ms: number): GoTime {
    if (!Number.isInteger(ms)) throw new RangeError('plusMilliseconds needs whole milliseconds');
    const wholeSeconds = Math.floor(ms / 1000);
    let nanos = this.nanos + (ms - wholeSeconds * 1000) * 1_000_000;
    let seconds = this.unixSeconds + wholeSeconds;
    if (nanos >= NANOS_PER_SECOND) {
      nanos -= NANOS_PER_SECOND;
      seconds += 1;
    }
    return new GoTime(seconds, nanos, this.offsetMinutes);
  }

  plusDays(days: number): GoTime {
    return this.plusSeconds(days * SECONDS_PER_DAY);
  }

  /** Go's AddDate: calendar arithmetic in the time's own zone; Aug 31 + 6 months = Mar 3 (normalised). */
  addDate(years: number, months: number, days: number): GoTime {
    const wall = this.unixSeconds + this.offsetMinutes * 60;
    const dayNumber = Math.floor(wall / SECONDS_PER_DAY);
    const secondOfDay = wall - dayNumber * SECONDS_PER_DAY;
    const [y, m, d] = civilFromDays(dayNumber);
    const monthIndex = y * 12 + (m - 1) + years * 12 + months;
    const newYear = Math.floor(monthIndex / 12);
    const newDays = daysFromCivil(newYear, monthIndex - newYear * 12 + 1, d + days);
    return new GoTime(newDays * SECONDS_PER_DAY + secondOfDay - this.offsetMinutes * 60, this.nanos, this.offsetMinutes);
  }

  /** RFC3339Nano exactly as Go's MarshalJSON writes it (without the quotes). */
  toString(): string {
    const wall = this.unixSeconds + this.offsetMinutes * 60;
    const dayNumber = Math.floor(wall / SECONDS_PER_DAY);
    let rest = wall - dayNumber * SECONDS_PER_DAY;
    const [year, month, day] = civilFromDays(dayNumber);
    // Go's MarshalJSON refuses years outside 0…9999.
    if (year < 0 || year > 9999) throw new TufError(`year ${year} cannot be written as RFC 3339`);
    const hour = Math.floor(rest / 3600);
    rest -= hour * 3600;
    const minute = Math.floor(rest / 60);
    const second = rest - minute * 60;
    let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
    if (this.nanos !== 0) text += '.' + pad(this.nanos, 9).replace(/0+$/, '');
    if (this.offsetMinutes === 0) return text + 'Z';
    const abs = Math.abs(this.offsetMinutes);
    return `${text}${this.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** `now + durationMs` in UTC, formatted as Go formats it (what notary writes as a new `expires`). */
export function expiresAfter(durationMs: number, now: GoTime = GoTime.now()): GoTime {
  return now.inUtc().plusMilliseconds(durationMs);
}
