import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

// One webhook delivery: a POST to an address resolveWebhookAddress checked, its answer reduced to a
// status for the delivery log. A receiver is someone else's server, so everything it could do to
// hold the sender — accept and never answer, answer slowly, answer endlessly, redirect — is cut off.

export interface WebhookRequest {
  readonly url: URL;
  /** From resolveWebhookAddress: the only address the request may connect to. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Connecting, sending and the answer together. */
  readonly timeoutMs: number;
}

/**
 * `answered`: the receiver sent a status, whatever it was (a 3xx is not followed). `failed`: it did
 * not; `error` is one line for the delivery log and never holds the request's headers or body.
 */
export type WebhookOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly ms: number }
  | { readonly kind: 'failed'; readonly error: string; readonly ms: number };

/** The most of an answer's body read before the connection is closed: it is never used, only drained. */
export const MAX_ANSWER_BYTES = 64 * 1024;

type Phase = 'connecting' | 'sending' | 'waiting for the answer';

/** Never throws: every failure is an outcome. */
export function postWebhook(request: WebhookRequest): Promise<WebhookOutcome> {
  const started = performance.now();
  const { url } = request;
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const target = request.family === 6 ? `[${request.address}]:${port}` : `${request.address}:${port}`;

  return new Promise((resolve) => {
    let phase: Phase = 'connecting';
    let status: number | undefined;
    let client: http.ClientRequest | undefined;
    let settled = false;

    const finish = (outcome: { kind: 'answered'; status: number } | { kind: 'failed'; error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client?.destroy();
      resolve({ ...outcome, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => {
      // Once the status is in, the rest of the body is only being drained: the receiver did answer.
      if (status !== undefined) finish({ kind: 'answered', status });
      else finish({ kind: 'failed', error: `timed out after ${request.timeoutMs / 1000} s ${phase}` });
    }, request.timeoutMs);

    // The name was resolved and checked once; resolving it again here could answer another address.
    // (An IP literal host is not looked up at all: it is itself the address that was checked.)
    const lookup = (_hostname: string, options: LookupOptions, callback: (...answer: LookupAnswer) => void) => {
      if (options.all) callback(null, [{ address: request.address, family: request.family }]);
      else callback(null, request.address, request.family);
    };
    const options: https.RequestOptions = {
      method: 'POST',
      host: hostname,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup,
      // A connection of its own each time: a kept-alive socket would carry the next webhook to
      // wherever this one connected, whatever its own URL resolves to.
      agent: false,
      // TLS verifies the certificate for the name in the URL, not the address connected to. An IP
      // literal cannot be sent as SNI (RFC 6066); Node checks it against the certificate's IP names.
      ...(secure && net.isIP(hostname) === 0 ? { servername: hostname } : {}),
    };

    try {
      client = (secure ? https : http).request(options);
    } catch (error) {
      // Node's message can quote a header's value (ERR_HTTP_INVALID_HEADER_VALUE), which may be a secret.
      finish({ kind: 'failed', error: `the request could not be made (${codeOf(error) ?? 'invalid request'})` });
      return;
    }
    client.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        if (phase === 'connecting') phase = 'sending';
      });
    });
    client.on('error', (error) => {
      if (status !== undefined) finish({ kind: 'answered', status });
      else finish({ kind: 'failed', error: describe(error, target, request) });
    });
    client.on('response', (answer) => {
      const answered = { kind: 'answered', status: answer.statusCode ?? 0 } as const;
      status = answered.status;
      let read = 0;
      answer.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) finish(answered);
      });
      answer.on('end', () => finish(answered));
      answer.on('error', () => finish(answered));
    });
    client.end(request.body, () => {
      phase = 'waiting for the answer';
    });
  });
}

type LookupAnswer = [error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// Certificate problems carry OpenSSL's verify codes; a handshake that fails outright, ERR_SSL_* or
// EPROTO (e.g. https to a port that speaks plain http).
const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/;

function describe(error: Error, target: string, request: WebhookRequest): string {
  const code = codeOf(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection closed by ${target} before an answer`;
    case 'EHOSTUNREACH':
      return `no route to ${target}`;
    case 'ENETUNREACH':
      return `network unreachable for ${target}`;
    case 'ETIMEDOUT':
      return `connecting to ${target} timed out`;
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    // OpenSSL's own errors read "…:SSL routines:ssl3_get_record:wrong version number:file:line:";
    // its reason is the part an operator can act on.
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1];
    return oneLine(`TLS: ${reason ?? error.message}`);
  }
  if (code?.startsWith('HPE_')) return `invalid HTTP answer from ${target} (${code})`;
  // Whatever else Node reports is kept for the log, unless it quotes what was sent.
  const sent = [request.body, ...Object.values(request.headers)];
  const quoted = sent.some((text) => text.length >= 4 && error.message.includes(text));
  return oneLine(quoted ? (code ?? 'request failed') : `${code ?? 'error'}: ${error.message}`);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
