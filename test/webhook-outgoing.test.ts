import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { parseWebhookUrl, resolveWebhookAddress, WebhookUrlRefused } from '../src/webhooks/outgoing-address.ts';
import { MAX_ANSWER_BYTES, postWebhook } from '../src/webhooks/post-webhook.ts';
import { freePort } from '../tools/free-port.ts';
import { testCertificate } from './helpers/smtp-server.ts';

// Webhooks, the outgoing request: a URL whose host is, or resolves to, anything but a public unicast
// address is refused unless the operator set WEBHOOK_ALLOW_PRIVATE_NETWORKS (and so is http), and
// the POST goes to the address that was checked, bounded in time and in what it reads. The
// receivers are real HTTP servers on 127.0.0.1, which is why their tests allow private networks.

const strict = { allowPrivateNetworks: false };
const permissive = { allowPrivateNetworks: true };

/** parseWebhookUrl then resolveWebhookAddress, as a webhook is checked before it is sent. */
async function check(text: string, options = strict) {
  return resolveWebhookAddress(parseWebhookUrl(text, options), options);
}

async function refusal(t: ExecutionContext, text: string, options = strict): Promise<string> {
  const error = await t.throwsAsync(check(text, options), { instanceOf: WebhookUrlRefused });
  return error?.reason ?? '';
}

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface Receiver {
  readonly port: number;
  readonly received: Received[];
}

/** An HTTP server on 127.0.0.1 that records each request's whole body, then lets `answer` respond (or not). */
async function startReceiver(
  t: ExecutionContext,
  answer: (response: http.ServerResponse, request: http.IncomingMessage) => void,
  tls?: { key: string; cert: string },
): Promise<Receiver> {
  const received: Received[] = [];
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      answer(response, request);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, received };
}

/** What a webhook sender does: check the URL (loopback needs the setting), then post to the address checked. */
async function deliver(text: string, options: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}) {
  const url = parseWebhookUrl(text, permissive);
  const { address, family } = await resolveWebhookAddress(url, permissive);
  return postWebhook({
    url,
    address,
    family,
    headers: options.headers ?? { 'content-type': 'application/json' },
    body: options.body ?? '{"event":"contract.signed"}',
    timeoutMs: options.timeoutMs ?? 2000,
  });
}

const privateHosts: [url: string, kind: string][] = [
  ['https://2130706433/', 'its host 127.0.0.1 is a loopback address'],
  ['https://0x7f.1/', 'its host 127.0.0.1 is a loopback address'],
  ['https://[::ffff:127.0.0.1]/', 'its host ::ffff:7f00:1 is a loopback address (IPv4 127.0.0.1 mapped into IPv6)'],
  ['https://127.0.0.1/', 'its host 127.0.0.1 is a loopback address'],
  ['https://10.0.0.1/', 'its host 10.0.0.1 is a private address'],
  ['https://192.168.1.1/', 'its host 192.168.1.1 is a private address'],
  ['https://172.16.0.1/', 'its host 172.16.0.1 is a private address'],
  ['https://100.64.0.1/', 'its host 100.64.0.1 is a carrier-grade NAT address'],
  ['https://169.254.169.254/', 'its host 169.254.169.254 is a link-local address'],
  ['https://[::1]/', 'its host ::1 is a loopback address'],
  ['https://[fd00::1]/', 'its host fd00::1 is a private address (IPv6 unique local)'],
  ['https://[fe80::1]/', 'its host fe80::1 is a link-local address'],
  ['https://224.0.0.1/', 'its host 224.0.0.1 is a multicast address'],
  ['https://0.0.0.0/', 'its host 0.0.0.0 is an unspecified address'],
  ['https://255.255.255.255/', 'its host 255.255.255.255 is a broadcast address'],
  ['https://192.0.2.1/', 'its host 192.0.2.1 is a reserved address'],
];

for (const [url, reason] of privateHosts) {
  test(`${url} is refused without allowPrivateNetworks: ${reason}`, async (t) => {
    t.is(await refusal(t, url), reason);
  });
}

test('a name that resolves to loopback is refused, and the reason says what it resolved to', async (t) => {
  // /etc/hosts answers 127.0.0.1, ::1 or both; every one of them is loopback.
  t.regex(await refusal(t, 'https://localhost/'), /^its host localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
});

test('a name that does not resolve is refused', async (t) => {
  t.regex(await refusal(t, 'https://webhooks.example.invalid/'), /^its host webhooks\.example\.invalid did not resolve/);
});

test('with allowPrivateNetworks, a private address is allowed and answered as the address to connect to', async (t) => {
  t.deepEqual(await check('https://10.0.0.1/hook', permissive), { address: '10.0.0.1', family: 4 });
});

test('a public address is allowed without the setting; an IPv4-mapped one is answered as IPv4', async (t) => {
  t.deepEqual(await check('https://1.1.1.1/hook'), { address: '1.1.1.1', family: 4 });
  t.deepEqual(await check('https://[2606:4700::1111]/hook'), { address: '2606:4700::1111', family: 6 });
  t.deepEqual(await check('https://[::ffff:1.1.1.1]/hook'), { address: '1.1.1.1', family: 4 });
});

test('http is refused without allowPrivateNetworks, even to a public address', (t) => {
  const error = t.throws(() => parseWebhookUrl('http://1.1.1.1/hook', strict), { instanceOf: WebhookUrlRefused });
  t.is(error?.reason, 'http is allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true');
  t.is(parseWebhookUrl('http://1.1.1.1/hook', permissive).href, 'http://1.1.1.1/hook');
});

test('a scheme other than https and http is refused', (t) => {
  const error = t.throws(() => parseWebhookUrl('ftp://1.1.1.1/hook', permissive), { instanceOf: WebhookUrlRefused });
  t.is(error?.reason, 'its scheme ftp: is not https');
});

test('a URL with a user name or password is refused, and the refusal does not repeat them', (t) => {
  const error = t.throws(() => parseWebhookUrl('https://hook:s3cret-pass@hooks.example.com/in?token=s3cret-token', strict), {
    instanceOf: WebhookUrlRefused,
  });
  t.is(error?.reason, 'it contains a user name or password');
  t.false(error?.message.includes('s3cret'));
});

test('a URL longer than 2000 characters is refused', (t) => {
  const url = `https://hooks.example.com/${'a'.repeat(2000)}`;
  const error = t.throws(() => parseWebhookUrl(url, strict), { instanceOf: WebhookUrlRefused });
  t.is(error?.reason, 'it is longer than 2000 characters');
});

test('with allowPrivateNetworks, an http receiver on loopback gets the body and the headers, and its status is the outcome', async (t) => {
  const receiver = await startReceiver(t, (response) => response.writeHead(204).end());
  const body = JSON.stringify({ event: 'contract.signed', contract: 42 });

  const outcome = await deliver(`http://127.0.0.1:${receiver.port}/hook?club=7`, {
    headers: { 'content-type': 'application/json', 'x-webhook-signature': 'sha256=abc123' },
    body,
  });

  t.like(outcome, { kind: 'answered', status: 204 });
  t.is(receiver.received.length, 1);
  const [got] = receiver.received;
  t.like(got, { method: 'POST', path: '/hook?club=7', body });
  t.like(got?.headers, {
    host: `127.0.0.1:${receiver.port}`,
    'content-type': 'application/json',
    'x-webhook-signature': 'sha256=abc123',
    'content-length': String(Buffer.byteLength(body)),
    // No keep-alive: the next webhook makes a connection of its own.
    connection: 'close',
  });
});

test('the request connects to the address that was checked, not to what the name resolves to now', async (t) => {
  const receiver = await startReceiver(t, (response) => response.writeHead(200).end());
  // .invalid never resolves: only the checked address can have carried this request.
  const url = new URL(`http://hooks.example.invalid:${receiver.port}/hook`);

  const outcome = await postWebhook({ url, address: '127.0.0.1', family: 4, headers: {}, body: 'x', timeoutMs: 2000 });

  t.like(outcome, { kind: 'answered', status: 200 });
  t.is(receiver.received[0]?.headers.host, `hooks.example.invalid:${receiver.port}`);
});

test('a receiver that never answers gives a failed outcome once the timeout is over, and its connection is closed', async (t) => {
  let closed!: Promise<void>;
  const receiver = await startReceiver(t, (_response, request) => {
    closed = new Promise((resolve) => request.socket.once('close', resolve));
  });

  const outcome = await deliver(`http://127.0.0.1:${receiver.port}/hook`, { timeoutMs: 300 });

  t.like(outcome, { kind: 'failed', error: 'timed out after 0.3 s waiting for the answer' });
  t.true(outcome.ms >= 300 && outcome.ms < 1000, `${outcome.ms} ms`);
  t.is(receiver.received.length, 1);
  await closed;
});

test('a redirect is not followed: the 302 is the outcome, and where it points gets nothing', async (t) => {
  const elsewhere = await startReceiver(t, (response) => response.writeHead(200).end());
  const receiver = await startReceiver(t, (response) =>
    response.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/hook` }).end('moved'),
  );

  const outcome = await deliver(`http://127.0.0.1:${receiver.port}/hook`);

  t.like(outcome, { kind: 'answered', status: 302 });
  t.is(elsewhere.received.length, 0);
});

test('an answer that never ends is read up to 64 KiB, and its status is the outcome', async (t) => {
  const receiver = await startReceiver(t, (response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const more = () => {
      if (!response.destroyed) response.write(chunk, () => setImmediate(more));
    };
    more();
  });

  const outcome = await deliver(`http://127.0.0.1:${receiver.port}/hook`, { timeoutMs: 2000 });

  t.like(outcome, { kind: 'answered', status: 200 });
  t.true(outcome.ms < 1000, `${outcome.ms} ms: stopped after ${MAX_ANSWER_BYTES} bytes, not at the timeout`);
});

test('a closed port gives a failed outcome that says the connection was refused, without the request in it', async (t) => {
  const port = await freePort();

  const outcome = await deliver(`http://127.0.0.1:${port}/hook`, {
    headers: { 'x-webhook-signature': 'sha256=secret-signature' },
    body: '{"secret":"family details"}',
  });

  t.like(outcome, { kind: 'failed', error: `connection refused by 127.0.0.1:${port}` });
});

test("https verifies the receiver's certificate: a self-signed one is a TLS failure", async (t) => {
  const receiver = await startReceiver(t, (response) => response.writeHead(200).end(), await testCertificate());
  const url = new URL(`https://localhost:${receiver.port}/hook`);

  const outcome = await postWebhook({ url, address: '127.0.0.1', family: 4, headers: {}, body: 'x', timeoutMs: 2000 });

  t.like(outcome, { kind: 'failed', error: 'TLS: self-signed certificate' });
  t.is(receiver.received.length, 0);
});
