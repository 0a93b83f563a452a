import { Validator } from '@seriousme/openapi-schema-validator';
import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { request } from './helpers/http.ts';
import { routesOfTheApp } from './helpers/routes.ts';

// docs/PRODUCT.md, "Operations": /openapi.json, generated from the zod schemas, covering every
// route.

const harness = useHarness();

async function document() {
  const reply = await request(harness().server.baseUrl, 'GET', '/openapi.json');
  if (reply.status !== 200) throw new Error(`/openapi.json answered ${reply.status}`);
  return reply.body;
}

test('the document is valid OpenAPI 3.1', async (t) => {
  const doc = await document();
  t.is(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc);
  t.deepEqual(result.errors ?? [], []);
  t.true(result.valid);
});

test('every route of the router appears in it, and nothing else', async (t) => {
  const doc = await document();
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
    .sort();
  const routes = (await routesOfTheApp(harness().db.pool)).map((route) => `${route.method.toLowerCase()} ${route.openApiPath}`).sort();
  t.true(routes.length >= 20, `found ${routes.length} routes`);
  t.deepEqual(documented, routes);
});

test('admin routes require the bearer scheme and document 401, 403 and the error body', async (t) => {
  const doc = await document();
  t.like(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!path.startsWith('/admin/')) {
        t.deepEqual(operation.security, [], `${method} ${path} needs no token, and says so`);
        continue;
      }
      t.deepEqual(operation.security, [{ bearer: [] }], `${method} ${path}`);
      for (const status of ['401', '403', '422']) {
        t.is(operation.responses[status]?.content['application/json'].schema.$ref, '#/components/schemas/Error');
      }
    }
  }
});

test('request schemas come from the validating zod schemas (strict bodies, exact enums)', async (t) => {
  const doc = await document();
  const offer = doc.paths['/admin/contract/offer'].post;
  const body = offer.requestBody.content['application/json'].schema;
  t.false(body.additionalProperties, 'unknown fields refused');
  t.deepEqual(body.required.sort(), ['monthly_fee', 'player_id']);
  t.like(body.properties.monthly_fee, { type: 'integer', minimum: 1, maximum: 1_000_000 });
  t.like(offer.parameters[0], { name: 'force', in: 'query', schema: { enum: ['true', 'false'] } });
  const list = doc.paths['/admin/contracts'].get.parameters.find((p: { name: string }) => p.name === 'status');
  // One state or several, comma-separated: the states are exact in the pattern, not an enum.
  const states = new RegExp(list.schema.pattern);
  for (const state of ['none', 'offered', 'declined', 'signed', 'withdrawn', 'expired']) t.true(states.test(state), state);
  t.true(states.test('offered,declined,withdrawn,expired'));
  for (const wrong of ['pending', 'Offered', 'offered,', ',offered', 'offered;declined', 'offered declined']) {
    t.false(states.test(wrong), wrong);
  }
  t.is(offer.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/Offer');
});

test('GET /docs renders the document with Swagger UI served by this service', async (t) => {
  const page = await request(harness().server.baseUrl, 'GET', '/docs');
  t.is(page.status, 200);
  t.regex(page.body, /<script src="assets\/swagger-ui-bundle.js" defer><\/script>/);
  const bundle = await request(harness().server.baseUrl, 'GET', '/assets/swagger-ui-bundle.js');
  t.is(bundle.status, 200);
  t.regex(bundle.headers.get('content-type') ?? '', /javascript/);
  const unknown = await request(harness().server.baseUrl, 'GET', '/assets/package.json');
  t.is(unknown.status, 404);
});
