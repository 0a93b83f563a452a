import type { Context } from 'koa';
import { AppError } from '../errors.ts';

/**
 * The check every family post passes, form or JSON (docs/PRODUCT.md, "Family links"): a post sent
 * by another site's page would sign or decline with the family's browser and address, but not by
 * their choice. JSON is no shelter: a page of any site may send a body-less POST, which is all a
 * decline needs, without the CORS preflight that application/json would trigger.
 *
 * Browsers say where a request comes from in `Sec-Fetch-Site`, which no page can set; only
 * `same-origin` (and `none`, a request the user made) passes. A browser too old to send it sends
 * `Origin`, which must then be the service's own — the Host the request was sent to, or
 * CONTRACT_BASE_URL's origin when a proxy passes on another Host. A request with neither header is
 * from a program, not a browser, and carries no visit of someone else's: it passes. (The rule of
 * Go's net/http CrossOriginProtection.)
 */
export function crossSiteCheck(contractBaseUrl: string): (ctx: Context) => void {
  const publicOrigin = new URL(contractBaseUrl).origin;
  return (ctx) => {
    const site = ctx.get('sec-fetch-site');
    if (site !== '') {
      if (site === 'same-origin' || site === 'none') return;
      throw new AppError('cross_site_post');
    }
    const origin = ctx.get('origin');
    if (origin === '' || origin === publicOrigin || hostOf(origin) === ctx.host.toLowerCase()) return;
    throw new AppError('cross_site_post');
  };
}

/** The host:port of an Origin header; null for `null` (an opaque origin) or anything unparsable. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
