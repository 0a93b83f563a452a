import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { startTestServer } from './helpers/server.ts';

// What test/hostile-input.test.ts found, one test each, so each stays fixed whatever the fuzzer's
// seed.

const harness = useHarness();
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function offered() {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  return { club, playerId, token: await putContractInState(pool, club, playerId, 'offered') };
}

const UNSTORABLE = [
  ['a NUL character', 'Dana\u0000Park'],
  ['half a surrogate pair', 'Dana \ud83d'],
] as const;

for (const [what, text] of UNSTORABLE) {
  test.serial(
    `a team or player name with ${what} → 422 naming the field, nothing written (PostgreSQL cannot store it as sent)`,
    async (t) => {
      const { db, server } = harness();
      const token = await server.adminToken((await createClub(db.pool)).slug);
      const before = await databaseChecksum(db.pool);

      const team = await request(server.baseUrl, 'POST', '/admin/teams', { token, body: { name: text } });
      const player = await request(server.baseUrl, 'POST', '/admin/players', { token, body: { name: text, email: 'family@example.test' } });

      for (const reply of [team, player]) {
        t.is(reply.status, 422);
        t.is(reply.body.error.code, 'validation_failed');
        t.regex(reply.body.error.message, /"name": must not contain NUL characters or unpaired UTF-16 surrogates/);
      }
      t.is(await databaseChecksum(db.pool), before);
    },
  );

  test.serial(`a signature or signature URL with ${what} → 422 naming the field, and the contract stays offered`, async (t) => {
    const { db, server } = harness();
    const { club, playerId, token } = await offered();

    const byName = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: text } });
    const byUrl = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
      body: { signed_by: 'Dana Park', signature_url: `https://sign.example.test/${text}` },
    });

    for (const [reply, field] of [
      [byName, 'signed_by'],
      [byUrl, 'signature_url'],
    ] as const) {
      t.is(reply.status, 422, field);
      t.is(reply.body.error.code, 'validation_failed');
      t.true(reply.body.error.message.includes(`"${field}": must not contain NUL`), reply.body.error.message);
    }
    t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
    t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
  });
}

// A form cannot carry half a surrogate pair: its percent-encoding is UTF-8, where there is none.
test.serial('a signature from the form with a NUL character → 422 naming the field, and the contract stays offered', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();

  const reply = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
    rawBody: 'signed_by=Dana%00Park&agree=yes&esign_consent=yes',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

  t.is(reply.status, 422);
  t.is(reply.body.error.code, 'validation_failed');
  t.regex(reply.body.error.message, /"signed_by": must not contain NUL/);
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
});

test('request headers over 16 KB → 431 headers_too_large with the JSON error body, not a bare status line', async (t) => {
  const reply = await rawRequest(harness().server.baseUrl, {
    method: 'GET',
    path: '/admin/teams',
    headers: { authorization: `Bearer ${'A'.repeat(20_000)}` },
  });
  t.is(reply.status, 431);
  t.regex(reply.headers['content-type'] ?? '', /^application\/json/);
  t.deepEqual(JSON.parse(reply.text), { error: { code: 'headers_too_large', message: 'The request headers are too large.' } });
});

test('a request that is not HTTP → 400 malformed_request with the JSON error body', async (t) => {
  const { port } = new URL(harness().server.baseUrl);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write('HELLO /contract\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => {
      text += String(chunk);
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  t.regex(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.regex(head, /\r\nContent-Type: application\/json; charset=utf-8(\r\n|$)/);
  t.deepEqual(JSON.parse(body), { error: { code: 'malformed_request', message: 'The request is not valid HTTP.' } });
});

test('a family form post answers errors as JSON to a program that asks for JSON, and as the page to a browser', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();
  const post = (accept: string) =>
    request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
      rawBody: 'signed_by=Dana+Park&agree=yes&esign_consent=yes&tenant=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
    });

  const program = await post('application/json');
  const browser = await post(BROWSER);

  t.is(program.status, 422);
  t.regex(program.headers.get('content-type') ?? '', /^application\/json/);
  t.is(program.body.error.code, 'validation_failed');
  t.is(browser.status, 422);
  t.regex(browser.headers.get('content-type') ?? '', /^text\/html/);
  t.true(browser.body.includes('unknown field &quot;tenant&quot;'));
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
});

test('a list cursor forged to decode past the ids’ integer range → 422 validation_failed naming the cursor, not 500', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  await createPlayer(db.pool, club);
  const token = await server.adminToken(club.slug);
  const forged = (after: string) => Buffer.from(`after:${after}`).toString('base64url');

  for (const after of ['2147483648', '9999999999']) {
    for (const path of ['/admin/contracts?status=none&cursor=', '/admin/players?cursor=']) {
      const reply = await request(server.baseUrl, 'GET', `${path}${forged(after)}`, { token });
      t.is(reply.status, 422, `${path} after ${after}`);
      t.is(reply.body.error.code, 'validation_failed');
      t.deepEqual(reply.body.error.details, [{ path: ['cursor'], message: 'unknown cursor' }]);
    }
  }
  // The largest id the column holds is still a cursor: the page after it is empty.
  const last = await request(server.baseUrl, 'GET', `/admin/contracts?status=none&cursor=${forged('2147483647')}`, { token });
  t.is(last.status, 200);
  t.deepEqual(last.body, { items: [], next_cursor: null });
});

test('a signature of invisible characters only (U+200B and kin) → 422 naming signed_by; from the form, the page asks again; nothing signed', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();
  const invisible = ['\u200b', '\u200b\u200c\u200d\u2060\ufeff', ' \u200b\u00a0', '\u3164\u115f', '\u2800', '\u0301', '\u00ad\ufe0f'];

  for (const signedBy of invisible) {
    const reply = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: signedBy } });
    t.is(reply.status, 422, JSON.stringify(signedBy));
    t.is(reply.body.error.code, 'validation_failed');
    t.true(reply.body.error.message.includes('"signed_by": must contain a visible character'), reply.body.error.message);

    const form = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
      rawBody: new URLSearchParams({ signed_by: signedBy, agree: 'yes' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: BROWSER },
    });
    t.is(form.status, 303, JSON.stringify(signedBy));
    t.is(form.headers.get('location'), `../${token}?outcome=name_missing`);
  }
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);

  // A name with one visible character among invisible ones is a name.
  const signed = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: '\u200bD\u200b' } });
  t.is(signed.status, 200);
  t.is((await readPlayer(db.pool, club, playerId)).contract_signed_by, '\u200bD\u200b');
});

test('a signature_url with a tab, a line break or a user:password@ → 422 naming signature_url; nothing signed', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();
  const urls = [
    'https://sign.example.test/s/1\r\nX-Injected: 1',
    'https://sign.example.test/s/\n1',
    'https://sign.example.test/s/\t1',
    'https://sign.\texample.test/s/1',
    'https://user:secret@sign.example.test/s/1',
    'https://user@sign.example.test/s/1',
    'https://:secret@sign.example.test/s/1',
  ];
  for (const signatureUrl of urls) {
    const reply = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
      body: { signed_by: 'Dana Park', signature_url: signatureUrl },
    });
    t.is(reply.status, 422, JSON.stringify(signatureUrl));
    t.is(reply.body.error.code, 'validation_failed');
    t.true(reply.body.error.message.includes('"signature_url": must not contain'), reply.body.error.message);
  }
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);

  // An @ after the host is part of the path, not credentials.
  const signed = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
    body: { signed_by: 'Dana Park', signature_url: 'https://sign.example.test/s/dana@park' },
  });
  t.is(signed.status, 200);
  t.is((await readPlayer(db.pool, club, playerId)).contract_signature_url, 'https://sign.example.test/s/dana@park');
});

/** Sends `pieces` 250 ms apart and reads until the server closes: how long that took, and the answer. */
async function slowClient(baseUrl: string, pieces: readonly string[]): Promise<{ answer: string; seconds: number }> {
  const { port } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let sent = 0;
    const send = () => {
      if (sent < pieces.length && !socket.destroyed) socket.write(pieces[sent++] ?? '');
    };
    socket.once('connect', send);
    const dripping = setInterval(send, 250);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    socket.on('error', () => {}); // a write after the server closed: the answer is what counts
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after 60 s; it answered: ${answer}`));
    }, 60_000);
    socket.on('close', () => {
      clearInterval(dripping);
      clearTimeout(giveUp);
      resolve({ answer, seconds: (Date.now() - started) / 1000 });
    });
  });
}

test('a request trickling in a byte at a time is cut off at HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS with 408, not held for minutes', async (t) => {
  const { db } = harness();
  const logs = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  logs.on('data', (chunk: Buffer) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const server = await startTestServer(db.pool, { env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '3000' }, logs });
  t.teardown(() => server.close());
  const { club, playerId, token } = await offered();
  const body = JSON.stringify({ signed_by: 'Dana Park, who types very slowly indeed' });
  const post = (type: string, length: number) =>
    `POST /contract/${token}/sign HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
  const form = 'signed_by=Dana+Park&agree=yes&esign_consent=yes&'.padEnd(60, 'x');

  const cases = [
    ['headers', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'.'.repeat(40)}\r\n\r\n`],
    ['a JSON body', post('application/json', body.length), body],
    ['a form body', post('application/x-www-form-urlencoded', form.length), form],
  ] as const;
  for (const [what, head, trickle] of cases) {
    const { answer, seconds } = await slowClient(server.baseUrl, [head, ...trickle]);
    t.log(
      `${what}: answered and closed after ${seconds.toFixed(1)} s (all of it, a byte every 250 ms, would take ${trickle.length / 4} s)`,
    );
    const [status = '', answerBody = ''] = answer.split('\r\n\r\n');
    t.regex(status, /^HTTP\/1\.1 408 /, what);
    t.deepEqual(JSON.parse(answerBody), { error: { code: 'request_timeout', message: 'The request did not arrive in time.' } }, what);
    // Node's defaults held such a request for 60 s (headers) or 300 s (the whole request).
    t.true(seconds < 30, `${what}: ${seconds} s`);
  }
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);

  // A slow client within the bounds gets through: the request in three pieces, 250 ms apart.
  const half = Math.ceil(body.length / 2);
  const { answer } = await slowClient(server.baseUrl, [post('application/json', body.length), body.slice(0, half), body.slice(half)]);
  t.regex(answer, /^HTTP\/1\.1 200 /);
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'signed');
  // The two bodies cut off are logged and counted as the 408 they were; nothing at error level.
  t.deepEqual(
    lines.filter((line) => line.msg === 'request').map((line) => line.status),
    [408, 408, 200],
  );
  t.deepEqual(
    lines.filter((line) => Number(line.level) >= 50),
    [],
  );
});
