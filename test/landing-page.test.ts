import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { request } from './helpers/http.ts';

// docs/API.md, "Where to start": a browser at the service's root finds what it is and where to go,
// not a JSON 404.

const harness = useHarness();

test('/ is a page that says what the service is and tells families to use their e-mailed link', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/', { headers: { accept: 'text/html' } });

  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(reply.body, /<title>club-contracts<\/title>/);
  t.regex(reply.body, /open the link in the e-mail from your club/);
});

test('every link on it answers 200: the API page, the OpenAPI document, the chart and the probes', async (t) => {
  const { baseUrl } = harness().server;
  const page = (await request(baseUrl, 'GET', '/')).body as string;
  const links = [...page.matchAll(/href="([^"]+)"/g)].map(([, href]) => href as string);

  t.deepEqual(
    links.filter((href) => !href.startsWith('assets/')),
    ['docs', 'openapi.json', 'contract-machine', 'healthz', 'readyz'],
  );
  for (const href of links) {
    const reply = await request(baseUrl, 'GET', new URL(href, `${baseUrl}/`).pathname);
    t.is(reply.status, 200, href);
  }
});
