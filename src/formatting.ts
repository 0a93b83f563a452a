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

const readableTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
const readableDay = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** "January 31, 2026 at 6:00 PM UTC". */
export function formatReadableTime(at: Date | number): string {
  return `${readableTime.format(at)} UTC`;
}

/** "January 31, 2026" (the day in UTC). */
export function formatReadableDay(at: Date | number): string {
  return readableDay.format(at);
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
