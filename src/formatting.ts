/**
 * How amounts and times read wherever a family reads them — the family page and the e-mails — so
 * a fee or a signing time looks the same in both.
 */

import type { Translator } from './i18n/translator.ts';

const feeFormats = new Map<string, Intl.NumberFormat>();

/**
 * "$150 per month", "150 US$ al mes": fees are whole units of the club's currency (an ISO 4217
 * code), written as the family's language writes money.
 */
export function formatMonthlyFee(monthlyFee: number, currency: string, language: Translator): string {
  const key = `${language.locale}\u0000${currency}`;
  let format = feeFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(language.locale, { style: 'currency', currency, maximumFractionDigits: 0 });
    feeFormats.set(key, format);
  }
  return language.t('format.monthlyFee', { amount: format.format(monthlyFee) });
}

/** A club's formats, one per time zone and language: a handful in use, each built once. */
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
function formatsOf(timeZone: string, locale: string): ZoneFormats {
  const key = `${locale}\u0000${timeZone}`;
  let formats = zoneFormats.get(key);
  if (formats === undefined) {
    const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
    formats = {
      timeZone: zone,
      time: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: zone }),
      day: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: zone }),
      offset: new Intl.DateTimeFormat('en-US', { timeZoneName: 'shortOffset', timeZone: zone }),
    };
    zoneFormats.set(key, formats);
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
export function formatReadableTime(at: Date | number, timeZone = 'UTC', locale = 'en-US'): string {
  const formats = formatsOf(timeZone, locale);
  const time = formats.time.format(at);
  return formats.timeZone === 'UTC' ? `${time} UTC` : `${time} (${formats.timeZone}, ${offsetAt(formats, at)})`;
}

/** "January 31, 2026", "31 de enero de 2026": the day in the club's time zone. */
export function formatReadableDay(at: Date | number, timeZone = 'UTC', locale = 'en-US'): string {
  return formatsOf(timeZone, locale).day.format(at);
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

/** "Ana", "Ana and Ben", "Ana, Ben and Cy" ("Ana, Ben y Cy"): names as a sentence lists them. */
export function listOfNames(names: readonly string[], locale = 'en-US'): string {
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
}
