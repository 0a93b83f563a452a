import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import test, { type ExecutionContext } from 'ava';
import { simpleParser } from 'mailparser';
import type { MailConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import {
  classifySendError,
  createMailer,
  emlFileName,
  type Mailer,
  MailError,
  type OutgoingMail,
  PermanentMailError,
  TemporaryMailError,
} from '../src/mail/mailer.ts';
import { renderMessage } from '../src/mail/messages.ts';
import { type TestSmtpServer, startSilentServer, startSmtpServer, testCertificate } from './helpers/smtp-server.ts';

// README.md, "E-mail": the mailer against a real SMTP server on loopback — what arrives, how each
// kind of failure is reported (temporary or permanent), TLS — and the .eml files of a local run.

const FROM = 'Demo Club via club-contracts <no-reply@club-contracts.test>';
/** A contract token: 43 base64url characters, a credential that must never reach a log. */
const token = () => randomBytes(32).toString('base64url');

function outgoing(overrides: Partial<OutgoingMail> = {}): OutgoingMail & { readonly contractUrl: string } {
  const contractUrl = `http://localhost:3000/contract/${token()}`;
  const rendered = renderMessage({
    kind: 'offer',
    clubName: 'Demo Club',
    clubContactEmail: 'office@example.test',
    timeZone: 'UTC',
    playerName: 'Jacelyn Park',
    teamNames: ['U12 Gold'],
    monthlyFee: 150,
    currency: 'USD',
    contractUrl,
    signerName: null,
    language: 'en',
    replacesEarlierOffer: false,
    voided: null,
  });
  return {
    messageId: `<${randomUUID()}@club-contracts>`,
    kind: 'offer',
    to: 'Park family <family+park@example.test>',
    replyTo: null,
    ...rendered,
    ...overrides,
    contractUrl,
  };
}

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

async function mailDir(t: ExecutionContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-mail-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function smtpServer(t: ExecutionContext, options?: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  t.teardown(() => server.close());
  return server;
}

async function mailerFor(t: ExecutionContext, config: Partial<MailConfig> & { smtpUrl: string | null }) {
  const { logger, lines } = capturedLogger();
  const mailer = createMailer({ from: FROM, mailDir: await mailDir(t), timeoutMs: 5_000, ...config }, logger);
  t.teardown(() => mailer.close());
  return { mailer, lines };
}

/** The error a send failed with, and how long it took. */
async function failure(mailer: Mailer, mail: OutgoingMail): Promise<{ error: MailError; elapsedMs: number }> {
  const started = performance.now();
  try {
    await mailer.send(mail);
  } catch (error) {
    if (!(error instanceof MailError)) throw error;
    return { error, elapsedMs: performance.now() - started };
  }
  throw new Error('the send succeeded');
}

test('delivered: the Message-ID we chose, From, To, subject, the text and HTML parts', async (t) => {
  const server = await smtpServer(t);
  const { mailer, lines } = await mailerFor(t, { smtpUrl: server.url });
  const mail = outgoing();
  await mailer.send(mail);
  const [received] = await server.waitFor(1);
  t.is(received?.messageId, mail.messageId);
  t.is(received?.from?.text, '"Demo Club via club-contracts" <no-reply@club-contracts.test>');
  t.deepEqual(
    received?.from?.value.map((address) => address.address),
    ['no-reply@club-contracts.test'],
  );
  t.deepEqual(
    (Array.isArray(received?.to) ? received.to : [received?.to]).flatMap((to) => to?.value.map((a) => a.address)),
    ['family+park@example.test'],
  );
  t.deepEqual(received?.envelope, { from: 'no-reply@club-contracts.test', to: ['family+park@example.test'] });
  t.is(received?.subject, 'Demo Club: your contract offer for Jacelyn Park');
  t.true((received?.text ?? '').split(/\r?\n/).includes(mail.contractUrl));
  t.is(received?.text, mail.text.replace(/\r\n/g, '\n'));
  t.is(typeof received?.html, 'string');
  t.true(String(received?.html).includes(`href="${mail.contractUrl}"`));
  t.is(received?.headers.get('auto-submitted'), 'auto-generated');
  t.false(received?.secure, 'this server offers no STARTTLS');
  // The log says it went, never what the link was.
  t.is(lines.length, 1);
  t.false(lines[0]?.includes(mail.contractUrl.split('/').at(-1) ?? mail.contractUrl));
  t.like(JSON.parse(lines[0] ?? '{}'), { msg: 'e-mail sent', mail: { messageId: mail.messageId, kind: 'offer' } });
});

test("451: a temporary failure with the server's words; the retry keeps the same Message-ID", async (t) => {
  const server = await smtpServer(t);
  server.respondWith((index) => (index === 0 ? { code: 451, message: '4.3.0 Try again later, queue full' } : 'accept'));
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  const mail = outgoing();
  const { error } = await failure(mailer, mail);
  t.true(error instanceof TemporaryMailError);
  t.false(error.permanent);
  t.regex(error.reason, /^451 .*Try again later, queue full/);
  t.is(server.received.length, 0);
  await mailer.send(mail);
  const [received] = await server.waitFor(1);
  t.is(received?.messageId, mail.messageId);
});

test("550 to the message: permanent, with the server's text as the reason", async (t) => {
  const server = await smtpServer(t);
  server.respondWith(() => ({ code: 550, message: '5.7.1 Message rejected as spam' }));
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  const { error } = await failure(mailer, outgoing());
  t.true(error instanceof PermanentMailError);
  t.true(error.permanent);
  t.regex(error.reason, /^550 .*Message rejected as spam/);
});

test("550 to the recipient: permanent, with the server's text as the reason", async (t) => {
  const server = await smtpServer(t);
  server.respondWith(() => ({ code: 550, message: '5.1.1 No such mailbox here', at: 'rcpt' }));
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  const { error } = await failure(mailer, outgoing());
  t.true(error.permanent);
  t.regex(error.reason, /550 .*No such mailbox here/);
  t.is(server.received.length, 0);
});

test('a 4xx to the recipient is temporary', async (t) => {
  const server = await smtpServer(t);
  server.respondWith(() => ({ code: 452, message: '4.2.2 Mailbox full', at: 'rcpt' }));
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  const { error } = await failure(mailer, outgoing());
  t.false(error.permanent);
  t.regex(error.reason, /452 .*Mailbox full/);
});

test('a server that accepts the connection and never answers: temporary, within the timeout', async (t) => {
  t.timeout(20_000);
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const { mailer } = await mailerFor(t, { smtpUrl: silent.url, timeoutMs: 1_500 });
  const { error, elapsedMs } = await failure(mailer, outgoing());
  t.is(silent.connections(), 1);
  t.false(error.permanent);
  t.regex(error.reason, /ETIMEDOUT/);
  t.true(elapsedMs >= 1_000, `gave up after ${Math.round(elapsedMs)} ms`);
  t.true(elapsedMs < 1_500 + 5_000, `gave up after ${Math.round(elapsedMs)} ms`);
});

test('a server that stops answering in the middle of the message: temporary, within the timeout', async (t) => {
  t.timeout(20_000);
  const server = await smtpServer(t);
  server.respondWith(() => 'hang');
  const { mailer } = await mailerFor(t, { smtpUrl: server.url, timeoutMs: 1_500 });
  const { error, elapsedMs } = await failure(mailer, outgoing());
  t.false(error.permanent);
  t.regex(error.reason, /ETIMEDOUT/);
  t.true(elapsedMs < 1_500 + 5_000, `gave up after ${Math.round(elapsedMs)} ms`);
});

test('a refused connection is temporary', async (t) => {
  // Port 9 (discard): nothing listens there, and the other tests' servers, which take ports from
  // the ephemeral range, cannot take it meanwhile as a port just freed could be.
  const { mailer } = await mailerFor(t, { smtpUrl: 'smtp://127.0.0.1:9', timeoutMs: 1_500 });
  const { error, elapsedMs } = await failure(mailer, outgoing());
  t.false(error.permanent);
  t.regex(error.reason, /ECONNREFUSED/);
  t.true(elapsedMs < 5_000);
});

test('STARTTLS is used when the server offers it, and the certificate is verified', async (t) => {
  const certificate = await testCertificate();
  const server = await smtpServer(t, { tls: certificate });
  const trusting = await mailerFor(t, { smtpUrl: server.url, trustedCertificates: certificate.cert });
  const mail = outgoing();
  await trusting.mailer.send(mail);
  const [received] = await server.waitFor(1);
  t.true(received?.secure, 'the session was upgraded');
  t.is(received?.messageId, mail.messageId);

  // The same server, by a mailer that does not trust its certificate: nothing is sent in clear
  // instead, and nothing is sent at all.
  const doubting = await mailerFor(t, { smtpUrl: server.url });
  const { error } = await failure(doubting.mailer, outgoing());
  t.false(error.permanent);
  t.regex(error.reason, /certificate/i);
  t.is(server.received.length, 1);
});

test('smtps:// speaks TLS from the first byte', async (t) => {
  const certificate = await testCertificate();
  const server = await smtpServer(t, { tls: { ...certificate, implicit: true } });
  t.true(server.url.startsWith('smtps://127.0.0.1:'));
  const { mailer } = await mailerFor(t, { smtpUrl: server.url, trustedCertificates: certificate.cert });
  const mail = outgoing();
  await mailer.send(mail);
  const [received] = await server.waitFor(1);
  t.true(received?.secure);
  t.is(received?.messageId, mail.messageId);
});

test('credentials come from the URL, percent-decoded; refused ones are a temporary failure', async (t) => {
  const server = await smtpServer(t, { auth: { user: 'mailer', pass: 'p@ss w:rd' } });
  const port = server.url.split(':').at(-1);
  const good = await mailerFor(t, { smtpUrl: `smtp://mailer:p%40ss%20w%3Ard@127.0.0.1:${port}` });
  await good.mailer.send(outgoing());
  const [received] = await server.waitFor(1);
  t.is(received?.user, 'mailer');

  const bad = await mailerFor(t, { smtpUrl: `smtp://mailer:wrong@127.0.0.1:${port}` });
  const { error } = await failure(bad.mailer, outgoing());
  t.false(error.permanent, 'a wrong password is for the operator to fix, not a reason to drop the message');
  t.regex(error.reason, /535/);
});

test('without SMTP_URL: an .eml file per message, named by its Message-ID, and a log line without the link', async (t) => {
  const dir = path.join(await mailDir(t), 'not-yet-created', 'mail');
  const { logger, lines } = capturedLogger();
  const mailer = createMailer({ smtpUrl: null, from: FROM, mailDir: dir, timeoutMs: 5_000 }, logger);
  t.teardown(() => mailer.close());
  const mail = outgoing();
  await mailer.send(mail);

  const file = path.join(dir, emlFileName(mail.messageId));
  t.deepEqual(await fs.readdir(dir), [path.basename(file)]);
  t.regex(path.basename(file), /^[0-9a-f-]{36}@club-contracts\.eml$/);
  t.is((await fs.stat(file)).mode & 0o777, 0o600, 'the file holds a credential: for the service only');
  const raw = await fs.readFile(file);
  t.true(raw.includes('\r\n'), 'RFC 5322 line ends');
  const parsed = await simpleParser(raw);
  t.is(parsed.messageId, mail.messageId);
  t.is(parsed.subject, mail.subject);
  t.true(parsed.text?.split(/\r?\n/).includes(mail.contractUrl));
  t.true((parsed.html as string).includes(mail.contractUrl));

  t.is(lines.length, 1);
  const line = lines[0] ?? '';
  t.like(JSON.parse(line), { level: 30, mail: { file, to: mail.to, kind: 'offer', messageId: mail.messageId } });
  t.false(line.includes(mail.contractUrl));
  t.false(line.includes('/contract/'));
  t.notRegex(line, /[A-Za-z0-9_-]{43}/, 'no token');

  // A retry of the same message rewrites its file.
  await mailer.send(mail);
  t.deepEqual(await fs.readdir(dir), [path.basename(file)]);
});

test('a recipient that is not one address, or a malformed Message-ID, is refused for good before anything is sent', async (t) => {
  const server = await smtpServer(t);
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  for (const to of ['not an address', 'a@example.test, b@example.test', 'a@example.test\r\nBcc: x@example.test', '']) {
    const { error } = await failure(mailer, outgoing({ to }));
    t.true(error instanceof PermanentMailError, to);
  }
  for (const messageId of ['no-brackets@club-contracts', '<two words@club-contracts>', '<x@y>\r\nBcc: z@w', '<x@y@z>', '<>']) {
    const { error } = await failure(mailer, outgoing({ messageId }));
    t.true(error.permanent, messageId);
  }
  t.is(server.connections(), 0);
  t.is(emlFileName('<a/../b@c>'), 'a_.._b@c.eml');
});

test('close() lets a send under way finish, then refuses new ones', async (t) => {
  const server = await smtpServer(t);
  const { mailer } = await mailerFor(t, { smtpUrl: server.url });
  const sending = mailer.send(outgoing());
  await mailer.close();
  await t.notThrowsAsync(sending);
  t.is(server.received.length, 1);
  const { error } = await failure(mailer, outgoing());
  t.true(error instanceof TemporaryMailError);
});

test('classification: 5xx to the message is permanent; to the session, to AUTH, or 503, temporary', (t) => {
  const timeouts = { timeoutMs: 1_000, deadlineMs: 3_000 };
  const error = (fields: object) => Object.assign(new Error('failed'), fields);
  const classified = (fields: object) => classifySendError(error(fields), timeouts);
  t.true(classified({ code: 'EENVELOPE', responseCode: 553, response: '553 5.1.3 Bad recipient address syntax' }).permanent);
  t.true(classified({ code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message too big' }).permanent);
  t.false(classified({ code: 'EENVELOPE', responseCode: 503, response: '503 5.5.1 Bad sequence of commands' }).permanent);
  t.false(classified({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed' }).permanent);
  t.false(classified({ code: 'EPROTOCOL', responseCode: 554, response: '554 No SMTP service here' }).permanent);
  t.false(classified({ code: 'ECONNECTION', responseCode: 421, response: '421 4.3.2 Shutting down' }).permanent);
  t.is(classified({ code: 'EABORT' }).reason, 'the SMTP server did not take the message within 3000 ms');
  t.is(
    classified({ code: 'ESOCKET', originalCode: 'ECONNRESET', message: 'read ECONNRESET' }).reason,
    'ESOCKET (ECONNRESET): read ECONNRESET',
  );
  const long = classified({ code: 'EMESSAGE', responseCode: 550, response: `550 ${'x'.repeat(5_000)}\r\nmore` });
  t.true(long.reason.length <= 1_000);
  t.false(long.reason.includes('\n'));
  t.false(classifySendError('not even an error', timeouts).permanent);
});
