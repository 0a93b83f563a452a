import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { Logger } from 'pino';
import type { MailConfig } from '../config.ts';
import { type MessageKind, oneLine } from './messages.ts';

export type { MailConfig } from '../config.ts';

/**
 * Sends one rendered message (docs/OPERATING.md, "E-mail"): over SMTP with `smtpUrl`, otherwise as an
 * `.eml` file under `mailDir`. `send` resolves once the server took the message (or the file is
 * written), and rejects with a MailError that says whether trying again can help.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Lets the sends under way finish (each is bounded), then refuses new ones. */
  close(): Promise<void>;
}

export interface OutgoingMail {
  /**
   * The Message-ID header, `<uuid@club-contracts>`: chosen by the caller once per message and
   * given again on every retry, so a family whose server did take an attempt that looked failed
   * sees one message, not two.
   */
  readonly messageId: string;
  readonly kind: MessageKind;
  /** The player's e-mail address. */
  readonly to: string;
  /** The club's contact e-mail, where the family's replies go; null: none (replies go to MAIL_FROM). */
  readonly replyTo: string | null;
  /** Its Content-Language: the language it is written in (docs/LANGUAGES.md). */
  readonly language: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Files sent with it, from memory: the completion's receipt PDF (docs/RECEIPTS.md). */
  readonly attachments?: ReadonlyArray<{ readonly filename: string; readonly content: Buffer; readonly contentType: string }>;
}

/**
 * Why a message was not delivered. `permanent`: the server refused this message for good (a 5xx
 * answer to its sender, recipient or content; a recipient that is not an address), so sending it
 * again gets the same answer. Otherwise the failure is temporary — a 4xx answer, a timeout, a
 * refused or cut connection, a TLS or authentication problem (the deployment's to fix, not the
 * message's) — and a later attempt may succeed. `reason` is one line, the server's own words when
 * it answered, and never holds the message's content.
 */
export abstract class MailError extends Error {
  abstract readonly permanent: boolean;
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

export class TemporaryMailError extends MailError {
  override readonly name = 'TemporaryMailError';
  readonly permanent = false;
}

export class PermanentMailError extends MailError {
  override readonly name = 'PermanentMailError';
  readonly permanent = true;
}

/**
 * Each wait on the server (connecting, its greeting, every answer) lasts at most `timeoutMs`; the
 * whole message at most this many times that, so a server that answers just in time at every step
 * cannot hold a send for minutes.
 */
export const WHOLE_MESSAGE_TIMEOUTS = 3;

const MESSAGE_ID = /^<[^<>@\s\p{Cc}]+@[^<>@\s\p{Cc}]+>$/u;
const MAX_REASON_LENGTH = 1000;

export function createMailer(config: MailConfig, logger: Logger): Mailer {
  const deliver = config.smtpUrl === null ? fileDelivery(config, logger) : smtpDelivery(config, config.smtpUrl, logger);
  const underway = new Set<Promise<unknown>>();
  let closed = false;

  return {
    async send(mail) {
      if (closed) throw new TemporaryMailError('the mailer is closed: the service is shutting down');
      checkMail(mail);
      // The API and the tenants CHECK let only an address in; should another get there, the family still
      // gets its mail, without the Reply-To, rather than none.
      const replyTo = mail.replyTo !== null && isOneAddress(mail.replyTo) ? mail.replyTo : null;
      if (replyTo === null && mail.replyTo !== null) {
        logger.warn(
          { mail: { messageId: mail.messageId, kind: mail.kind } },
          "the club's contact e-mail is not one address: sent without Reply-To",
        );
      }
      const sending = deliver.send(mail, {
        from: config.from,
        to: mail.to,
        // nodemailer writes and encodes the header: the address is never put into one by hand.
        ...(replyTo === null ? {} : { replyTo }),
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        // From memory only: disableFileAccess and disableUrlAccess stay on.
        ...(mail.attachments === undefined ? {} : { attachments: mail.attachments.map((file) => ({ ...file })) }),
        // RFC 3834: written by a program, so auto-responders ("out of office") do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': mail.language },
      });
      underway.add(sending);
      try {
        await sending;
      } finally {
        underway.delete(sending);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...underway]);
      deliver.close();
    },
  };
}

interface Delivery {
  send(mail: OutgoingMail, message: SendMailOptions): Promise<void>;
  close(): void;
}

/**
 * One connection per message, not a pool: messages are few (an offer, a reminder, a confirmation
 * per family), a new connection cannot inherit one the server dropped while idle, and the worker's
 * concurrency already bounds how many are open at once. STARTTLS is used whenever the server
 * offers it, and the server's certificate is always verified.
 */
function smtpDelivery(config: MailConfig, smtpUrl: string, logger: Logger): Delivery {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const transport: Transporter = nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(user !== '' || pass !== '' ? { auth: { user, pass } } : {}),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    // After QUIT, do not wait long for the server to hang up.
    socketCloseTimeout: Math.min(config.timeoutMs, 2_000),
    ...(config.trustedCertificates === undefined ? {} : { tls: { ca: config.trustedCertificates } }),
    // Attachments are given as bytes (the receipt PDF); nothing in a message may make the service read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const deadlineMs = config.timeoutMs * WHOLE_MESSAGE_TIMEOUTS;

  return {
    async send(mail, message) {
      let info: { response?: string };
      try {
        info = await transport.sendMail({ ...message, signal: AbortSignal.timeout(deadlineMs) });
      } catch (error) {
        throw classifySendError(error, { timeoutMs: config.timeoutMs, deadlineMs });
      }
      logger.info(
        { mail: { messageId: mail.messageId, kind: mail.kind, to: mail.to, response: oneLine(info.response ?? '') } },
        'e-mail sent',
      );
    },
    close: () => transport.close(),
  };
}

/**
 * No SMTP server (a local run): each message becomes an RFC 5322 file any mail program opens,
 * named after its Message-ID, so a retry rewrites the same file. The files hold the family's link,
 * so only the service's user may read them; the log line names the file, never the link.
 */
function fileDelivery(config: MailConfig, logger: Logger): Delivery {
  const transport: Transporter = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail, message) {
      let raw: Buffer;
      try {
        const info = (await transport.sendMail(message)) as { message: Buffer };
        raw = info.message;
      } catch (error) {
        throw classifySendError(error, { timeoutMs: 0, deadlineMs: 0 });
      }
      const file = path.join(config.mailDir, emlFileName(mail.messageId));
      const partial = `${file}.${randomUUID()}.partial`;
      try {
        await fs.mkdir(config.mailDir, { recursive: true, mode: 0o700 });
        await fs.writeFile(partial, raw, { mode: 0o600 });
        await fs.rename(partial, file);
      } catch (error) {
        await fs.rm(partial, { force: true }).catch(() => {});
        throw new TemporaryMailError(oneLine(`could not write ${file}: ${(error as Error).message}`), { cause: error });
      }
      logger.info(
        { mail: { file, to: mail.to, kind: mail.kind, messageId: mail.messageId } },
        'e-mail written to a file (no SMTP_URL)',
      );
    },
    close: () => transport.close(),
  };
}

/** `<0a1b…@club-contracts>` → `0a1b…@club-contracts.eml`: only letters, digits, `.`, `_`, `-`, `@`. */
export function emlFileName(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

function checkMail(mail: OutgoingMail): void {
  if (!MESSAGE_ID.test(mail.messageId) || mail.messageId.length > 250) {
    throw new PermanentMailError('the Message-ID must look like <id@domain>');
  }
  if (!isOneAddress(mail.to)) throw new PermanentMailError('the recipient is not one e-mail address');
}

/** One plain address: no group, no list, no line break that could start a header of its own. */
function isOneAddress(text: string): boolean {
  const addresses = /[\r\n]/.test(text) ? [] : addressparser(text);
  const [address] = addresses;
  return (
    addresses.length === 1 &&
    address !== undefined &&
    !('group' in address && address.group) &&
    /^[^@\s]+@[^@\s]+$/.test(address.address ?? '')
  );
}

interface NodemailerError {
  readonly code?: unknown;
  readonly originalCode?: unknown;
  readonly responseCode?: unknown;
  readonly response?: unknown;
  readonly command?: unknown;
  readonly message?: unknown;
}

/**
 * Temporary or permanent, from what nodemailer reports. A 5xx answer counts as permanent only for
 * the message's own commands (MAIL FROM, RCPT TO, DATA and its end: nodemailer's EENVELOPE and
 * EMESSAGE) — a 535 to AUTH or a 554 greeting is the deployment's problem — and not 503, which
 * only says the session was out of step.
 */
export function classifySendError(
  error: unknown,
  { timeoutMs, deadlineMs }: { readonly timeoutMs: number; readonly deadlineMs: number },
): MailError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerError;
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  const options = { cause: error };
  if (typeof failure.responseCode === 'number') {
    const reason = short(typeof failure.response === 'string' ? failure.response : message);
    const refusal = failure.responseCode >= 500 && failure.responseCode < 600 && failure.responseCode !== 503;
    return refusal && (code === 'EENVELOPE' || code === 'EMESSAGE')
      ? new PermanentMailError(reason, options)
      : new TemporaryMailError(reason, options);
  }
  if (code === 'EABORT') {
    return new TemporaryMailError(`the SMTP server did not take the message within ${deadlineMs} ms`, options);
  }
  const system = typeof failure.originalCode === 'string' ? ` (${failure.originalCode})` : '';
  const waited = code === 'ETIMEDOUT' ? ` (no answer within ${timeoutMs} ms)` : '';
  return new TemporaryMailError(short(`${code ?? 'error'}${system}: ${message}${waited}`), options);
}

function short(text: string): string {
  const line = oneLine(text).trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}
