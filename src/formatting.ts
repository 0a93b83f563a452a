/**
 * How amounts and times read wherever a family reads them — the family page and the e-mails — so
 * a fee or a signing time looks the same in both.
 */

const feeFormats = new Map<string, Intl.NumberFormat>();

/** "$150 per month": fees are whole units of the club's currency (an ISO 4217 code). */
export function formatMonthlyFee(monthlyFee: number, currency: string): string {
  let format = feeFormats.get(currency);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 });
    feeFormats.set(currency, format);
  }
  return `${format.format(monthlyFee)} per month`;
}

/** A club's formats, one per time zone: a handful of zones in use, each built once. */
interface ZoneFormats {
  /** The zone the times are shown in: the club's, or UTC when this Node.js does not know it. */
  readonly timeZone: string;
  readonly time: Intl.DateTimeFormat;
  readonly day: Intl.DateTimeFormat;
  readonly offset: Intl.DateTimeFormat;
}
const zoneFormats = new Map<string, ZoneFormats>();

/**
 * The formats of a zone. PATCH /admin/club takes only zones Intl knows; one that a later Node.js
 * no longer knows is read as UTC, and says so, rather than failing every page and e-mail of the club.
 */
function formatsOf(timeZone: string): ZoneFormats {
  let formats = zoneFormats.get(timeZone);
  if (formats === undefined) {
    const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
    formats = {
      timeZone: zone,
      time: new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short', timeZone: zone }),
      day: new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: zone }),
      offset: new Intl.DateTimeFormat('en-US', { timeZoneName: 'shortOffset', timeZone: zone }),
    };
    zoneFormats.set(timeZone, formats);
  }
  return formats;
}

/** The zone's offset from UTC at that moment: "UTC+1", "UTC+5:30", "UTC-3", or "UTC" itself. */
function offsetAt(formats: ZoneFormats, at: Date | number): string {
  const offset = formats.offset.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  return offset.replace(/^GMT/, 'UTC');
}

/**
 * A moment as the club's families read it, in the club's time zone (docs/PRODUCT.md, "The club's
 * settings"), naming the zone and its offset so nobody reads it in their own: "January 31, 2026 at
 * 7:00 PM (Europe/Madrid, UTC+1)"; in UTC, "January 31, 2026 at 6:00 PM UTC".
 */
export function formatReadableTime(at: Date | number, timeZone = 'UTC'): string {
  const formats = formatsOf(timeZone);
  const time = formats.time.format(at);
  return formats.timeZone === 'UTC' ? `${time} UTC` : `${time} (${formats.timeZone}, ${offsetAt(formats, at)})`;
}

/** "January 31, 2026": the day in the club's time zone. */
export function formatReadableDay(at: Date | number, timeZone = 'UTC'): string {
  return formatsOf(timeZone).day.format(at);
}

/** "2026-01-31T18:00:00Z": ISO 8601 in UTC, to the second. */
export function formatIsoTime(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether Intl knows `name` as a time zone (it throws a RangeError for one it does not). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** "Ana", "Ana and Ben", "Ana, Ben and Cy": names as a sentence lists them, for pages and e-mails alike. */
export function listOfNames(names: readonly string[]): string {
  return new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(names);
}
