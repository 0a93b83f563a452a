import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

// Where a webhook may be sent. A club admin types the URL, but the service makes the request from
// inside the deployment, so without these checks the URL would be a way to reach what only the
// service can: its database, the cloud's metadata endpoint (169.254.169.254), the admin side of
// other services on the host. The operator can lift them (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true) for
// a receiver on the same network, which is also what makes plain http acceptable.

export interface OutgoingOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: the operator lets webhooks reach any address, and over http. */
  readonly allowPrivateNetworks: boolean;
}

/** The address to connect to: the one that was checked, so nothing resolves the name again. */
export interface CheckedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * A webhook URL the service will not send to. `reason` is one line for the admin who typed it,
 * e.g. "its host 127.0.0.1 is a loopback address"; it names the host at most, never the URL's
 * credentials, path or query, which may hold a secret.
 */
export class WebhookUrlRefused extends Error {
  override readonly name = 'WebhookUrlRefused';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`webhook URL refused: ${reason}`, options);
  }
}

export const MAX_WEBHOOK_URL_LENGTH = 2000;

/** The URL's syntax and scheme; where its host points is resolveWebhookAddress's question. */
export function parseWebhookUrl(text: string, options: OutgoingOptions): URL {
  const tooLong = `it is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookUrlRefused(tooLong);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlRefused('it is not an absolute URL');
  }
  // Percent-encoding can make the URL as sent longer than the text typed.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookUrlRefused(tooLong);
  if (url.protocol === 'http:' && !options.allowPrivateNetworks) {
    throw new WebhookUrlRefused('http is allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookUrlRefused(`its scheme ${url.protocol} is not https`);
  // Credentials in a URL end up in logs and in the admin pages that show it; the receiver can check a signature instead.
  if (url.username !== '' || url.password !== '') throw new WebhookUrlRefused('it contains a user name or password');
  return url;
}

/**
 * The address to send `url`'s webhook to. Every address its host resolves to must be allowed, not
 * only the first: a name can answer a public address and a private one, and which one a later
 * lookup puts first is not ours to choose. The caller connects to the address answered (see
 * postWebhook), since a second lookup could answer differently (DNS rebinding).
 */
export async function resolveWebhookAddress(url: URL, options: OutgoingOptions): Promise<CheckedAddress> {
  // WHATWG URL has already turned 2130706433, 0x7f.1 and the like into 127.0.0.1, and keeps IPv6 in brackets.
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = net.isIP(host);
  const resolved = literal !== 0 ? [{ address: host, family: literal }] : await lookup(host);

  const checked = resolved.map(({ address }) => classify(address));
  if (!options.allowPrivateNetworks) {
    const refused = checked.find((address) => address.kind !== null);
    if (refused !== undefined) {
      const written = refused.mappedFrom ?? refused.address;
      const what = literal !== 0 ? `its host ${host} is` : `its host ${host} resolves to ${written},`;
      const mapped = refused.mappedFrom === null ? '' : ` (IPv4 ${refused.address} mapped into IPv6)`;
      throw new WebhookUrlRefused(`${what} ${refused.kind}${mapped}`);
    }
  }
  const [first] = checked;
  if (first === undefined) throw new WebhookUrlRefused(`its host ${host} did not resolve`);
  return { address: first.address, family: first.family };
}

async function lookup(host: string): Promise<{ address: string; family: number }[]> {
  try {
    return await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = typeof code === 'string' ? ` (${code})` : '';
    throw new WebhookUrlRefused(`its host ${host} did not resolve${why}`, { cause: error });
  }
}

interface Classified extends CheckedAddress {
  /** Why it is not a public address, worded for the reason ("a loopback address"); null: public unicast. */
  readonly kind: string | null;
  /** The IPv4-mapped IPv6 form it was written in, if it was. */
  readonly mappedFrom: string | null;
}

// ipaddr.js's names for what is not public unicast, worded for WebhookUrlRefused's reason.
const KINDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  uniqueLocal: 'a private address (IPv6 unique local)',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
};

// IANA allocates global unicast IPv6 only from 2000::/3. Outside it ipaddr.js calls some addresses
// 'unicast' that are not public: the deprecated IPv4-compatible ::a.b.c.d, and whatever the IETF
// reserves next.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

function classify(text: string): Classified {
  const parsed = ipaddr.parse(text);
  // ::ffff:127.0.0.1 reaches 127.0.0.1: judge (and connect to) the IPv4 address it carries.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    const ipv4 = (parsed as ipaddr.IPv6).toIPv4Address();
    return { address: ipv4.toString(), family: 4, kind: kindOf(ipv4.range()), mappedFrom: text };
  }
  if (parsed.kind() === 'ipv4') return { address: text, family: 4, kind: kindOf(parsed.range()), mappedFrom: null };
  const ipv6 = parsed as ipaddr.IPv6;
  const range = ipv6.range();
  const kind = range === 'unicast' && !ipv6.match(GLOBAL_UNICAST_V6) ? 'a reserved address' : kindOf(range);
  return { address: text, family: 6, kind, mappedFrom: null };
}

function kindOf(range: string): string | null {
  if (range === 'unicast') return null;
  // 'reserved', 'benchmarking', 6to4, Teredo, NAT64 and the rest: documentation, tunnels and
  // translators, the last of which can lead back into a private network.
  return KINDS[range] ?? 'a reserved address';
}
