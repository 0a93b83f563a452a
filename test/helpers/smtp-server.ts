import { createServer, type Socket } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

// A real SMTP server on loopback for tests (the `smtp-server` package, by nodemailer's authors):
// what it received, parsed by `mailparser`, and a hook to answer a message with a temporary or a
// permanent refusal, or not at all. Everything it does is bounded in time, closing included.

/** How the server answers one message, at the end of its DATA unless `at: 'rcpt'`. */
export type SmtpReply =
  | 'accept'
  /** Never answer: the client sees a server that stopped mid-message. */
  | 'hang'
  /**
   * Take the whole message and answer only once `holdUntil` settles — 250, or `answer`'s refusal: a send
   * caught in flight, while the test breaks something else.
   */
  | { readonly holdUntil: Promise<unknown>; readonly answer?: 'accept' | { readonly code: 451 | 421 | 554; readonly message: string } }
  | { readonly code: 451 | 550 | 554 | 421 | 452 | 552; readonly message: string; readonly at?: 'rcpt' | 'data' };

/** A message as delivered: parsed, with the SMTP envelope and how the session was secured. */
export type ReceivedMail = ParsedMail & {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The session was encrypted: implicit TLS (smtps://) or upgraded with STARTTLS. */
  readonly secure: boolean;
  /** The user the client authenticated as, if it did. */
  readonly user: string | null;
  readonly raw: Buffer;
};

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:PORT`, or `smtps://…` for an implicit-TLS server. */
  readonly url: string;
  readonly port: number;
  /** Messages accepted so far, in order. */
  readonly received: ReceivedMail[];
  /** Connections the server has accepted so far. */
  connections(): number;
  /** Messages whose whole content has arrived so far, answered or not: a held one counts at once. */
  bodies(): number;
  /** Decides the answer to each message; `mailIndex` counts every message begun (MAIL FROM), from 0. */
  respondWith(decide: (mailIndex: number) => SmtpReply): void;
  /** Resolves once `count` messages are received; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Stops listening and cuts every connection, a hanging one too. */
  close(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /**
   * Speak TLS with this key and certificate (see testCertificate()): STARTTLS offered to clients
   * of `smtp://`, or with `implicit` TLS from the first byte (`smtps://`). Without it, STARTTLS is
   * not offered.
   */
  readonly tls?: { readonly key: string; readonly cert: string; readonly implicit?: boolean };
  /** Require AUTH with these credentials (plain text is allowed: it is loopback). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Listen on this port rather than a free one: a server brought back where the service expects it. */
  readonly port?: number;
}

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let certificate: Promise<TestCertificate> | undefined;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per test process: loopback tests
 * only. A client verifies it by trusting the certificate itself as its only authority.
 */
export function testCertificate(): Promise<TestCertificate> {
  certificate ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  let decide: (mailIndex: number) => SmtpReply = () => 'accept';
  let begun = 0;
  let connections = 0;
  let bodies = 0;
  /** The answer chosen for each session's current message, decided at MAIL FROM. */
  const replies = new WeakMap<SMTPServerSession, SmtpReply>();

  const server = new SMTPServer({
    secure: options.tls?.implicit === true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    // Its own timers, so that no test outlives a client that went quiet.
    socketTimeout: 30_000,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      const ok = options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(smtpError(535, 'Authentication failed'));
    },
    onMailFrom(_address, session, callback) {
      replies.set(session, decide(begun));
      begun += 1;
      callback();
    },
    onRcptTo(_address, session, callback) {
      const reply = replies.get(session);
      if (typeof reply === 'object' && 'code' in reply && reply.at === 'rcpt') callback(smtpError(reply.code, reply.message));
      else callback();
    },
    onData(stream, session, callback) {
      const reply = replies.get(session) ?? 'accept';
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        bodies += 1;
        if (reply === 'hang') return;
        const held = typeof reply === 'object' && 'holdUntil' in reply ? reply : null;
        const answer = held === null ? reply : (held.answer ?? 'accept');
        void (held?.holdUntil ?? Promise.resolve())
          .catch(() => {})
          .then(() => {
            if (typeof answer === 'object' && 'code' in answer) {
              callback(smtpError(answer.code, answer.message));
              return;
            }
            const raw = Buffer.concat(chunks);
            const envelope = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
            };
            simpleParser(raw).then(
              (parsed) => {
                received.push(
                  Object.assign(parsed, { envelope, secure: session.secure, user: (session.user as string | undefined) ?? null, raw }),
                );
                for (const wake of waiters) wake();
                callback();
              },
              (error: unknown) => callback(smtpError(554, `unparseable message: ${String(error)}`)),
            );
          });
      });
    },
  });
  server.on('error', () => {}); // a client that vanishes mid-session is not the test's failure
  server.server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };

  return {
    url: `${options.tls?.implicit ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    port,
    received,
    connections: () => connections,
    bodies: () => bodies,
    respondWith(next) {
      decide = next;
    },
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the SMTP server received ${received.length} of ${count} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => closeBounded((done) => server.close(done), sockets),
  };
}

/**
 * A server that accepts TCP connections and never says a word: no greeting, no answer. What an
 * SMTP server that hangs looks like to its client.
 */
export async function startSilentServer(): Promise<{ readonly url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => closeBounded((done) => server.close(() => done()), sockets),
  };
}

/** Stops a server: its open sockets destroyed, so nothing waits on a client; at most 2 s in any case. */
function closeBounded(close: (done: () => void) => void, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    close(() => {
      clearTimeout(timer);
      resolve();
    });
    for (const socket of sockets) socket.destroy();
  });
}
