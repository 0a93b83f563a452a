import { connect } from 'node:net';
import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { rawRequest } from './helpers/raw-http.ts';

// What test/hostile-input.test.ts found, one test each, so each stays fixed whatever the fuzzer's
// seed.

const harness = useHarness();

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
