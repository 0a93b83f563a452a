import test from 'ava';
import { openApiDocument } from '../src/http/openapi.ts';
import { databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, randomToken } from './helpers/fixtures.ts';
import { type RawReply, rawRequest } from './helpers/raw-http.ts';

// docs/PRODUCT.md, "Strict input" and "Errors everywhere", for every route that takes a body, admin
// and family, in every encoding it documents: over the limit 413, a wrong content type 415, an
// unknown field (a CSV file's unknown column) 422 naming it. The routes come from the OpenAPI
// document, so a new one is covered.
// Serial: each test compares a checksum of the whole database before and after its request.

const harness = useHarness();
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const CSV_TYPE = 'text/csv';

interface BodyRoute {
  readonly method: string;
  readonly path: string;
  readonly admin: boolean;
  readonly encodings: readonly string[];
}

const ROUTES: BodyRoute[] = Object.entries(
  (openApiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: object }; security: unknown[] }>> }).paths,
).flatMap(([path, operations]) =>
  Object.entries(operations).flatMap(([method, operation]) =>
    operation.requestBody === undefined
      ? []
      : [
          {
            method: method.toUpperCase(),
            path,
            admin: operation.security.length > 0, // public operations say `security: []`
            encodings: Object.keys(operation.requestBody.content),
          },
        ],
  ),
);

let clubSlug: string | undefined;

/** Sends `body` to the route as a caller who gets past everything but the body; says whether the database changed. */
async function send(route: BodyRoute, contentType: string, body: string): Promise<{ reply: RawReply; wrote: boolean }> {
  const { db, server } = harness();
  clubSlug ??= (await createClub(db.pool)).slug;
  const headers: Record<string, string> = { 'content-type': contentType };
  if (route.admin) headers.authorization = `Bearer ${await server.adminToken(clubSlug)}`;
  const before = await databaseChecksum(db.pool);
  const reply = await rawRequest(server.baseUrl, {
    method: route.method,
    path: route.path.replace('{token}', randomToken()).replace('{id}', '1'),
    headers,
    body,
  });
  return { reply, wrote: (await databaseChecksum(db.pool)) !== before };
}

interface ErrorAnswer {
  readonly code: string;
  readonly message: string;
  readonly details?: ReadonlyArray<{ readonly column?: string | null }>;
}

function errorOf(reply: RawReply): ErrorAnswer {
  if (!/^application\/json/.test(reply.headers['content-type'] ?? '')) throw new Error(`not JSON: ${reply.headers['content-type']}`);
  return (JSON.parse(reply.text) as { error: ErrorAnswer }).error;
}

/** Bodies are limited to 16 kB, a bulk offer to 128 kB, a club's contract terms (up to 100,000 characters) to 1 MB, a roster file to 2 MB. */
const OVER_THE_LIMIT: Readonly<Record<string, number>> = {
  '/admin/contract-terms': 1_100_000,
  '/admin/contract/offers': 140_000,
  '/admin/players/import': 2_200_000,
};
const overTheLimit = (route: BodyRoute) => OVER_THE_LIMIT[route.path] ?? 20_000;

/** The fields as the encoding writes them; a CSV file's fields are its header's columns, with one row. */
const encode = (contentType: string, fields: Record<string, string>) =>
  contentType === JSON_TYPE
    ? JSON.stringify(fields)
    : contentType === CSV_TYPE
      ? `${Object.keys(fields).join(',')}\n${Object.values(fields).join(',')}\n`
      : new URLSearchParams(fields).toString();

const ENCODING_NAMES: Readonly<Record<string, string>> = { [JSON_TYPE]: 'JSON', [FORM_TYPE]: 'form', [CSV_TYPE]: 'CSV' };

test('every route with a body is covered below, in JSON, the family ones also as a form, the roster import in CSV only', (t) => {
  t.deepEqual(
    ROUTES.map((route) => `${route.method} ${route.path}`),
    [
      'POST /admin/contract/offer',
      'POST /admin/contract/offers',
      'POST /admin/contract/withdraw',
      'POST /admin/contracts/remind',
      'POST /admin/players',
      'PATCH /admin/players/{id}',
      'POST /admin/players/import',
      'POST /admin/teams',
      'PATCH /admin/teams/{id}',
      'POST /admin/contract-terms',
      'PATCH /admin/club',
      'POST /admin/webhooks',
      'PATCH /admin/webhooks/{id}',
      'POST /contract/{token}/sign',
      'POST /contract/{token}/decline',
    ],
  );
  t.deepEqual(
    ROUTES.filter((route) => !route.encodings.includes(JSON_TYPE)).map((route) => route.path),
    ['/admin/players/import'],
  );
  t.deepEqual(
    ROUTES.filter((route) => route.encodings.includes(FORM_TYPE)).map((route) => route.path),
    ['/contract/{token}/sign', '/contract/{token}/decline'],
  );
  t.deepEqual(
    ROUTES.filter((route) => route.encodings.includes(CSV_TYPE)).map((route) => route.path),
    ['/admin/players/import'],
  );
});

for (const route of ROUTES) {
  for (const encoding of route.encodings) {
    const name = `${route.method} ${route.path} (${ENCODING_NAMES[encoding] ?? encoding})`;

    test.serial(`${name}: a body over the limit → 413 payload_too_large, nothing written`, async (t) => {
      const { reply, wrote } = await send(route, encoding, encode(encoding, { padding: 'x'.repeat(overTheLimit(route)) }));
      t.is(reply.status, 413);
      t.is(errorOf(reply).code, 'payload_too_large');
      t.false(wrote);
    });

    if (encoding === CSV_TYPE) {
      // A file's unknown column is refused as every line to fix is (docs/PRODUCT.md, "Roster import").
      test.serial(`${name}: an unknown column → 422 import_invalid naming it, nothing written`, async (t) => {
        const { reply, wrote } = await send(route, encoding, encode(encoding, { tenant_id: '7' }));
        t.is(reply.status, 422);
        const error = errorOf(reply);
        t.is(error.code, 'import_invalid');
        t.true(error.details?.some((detail) => detail.column === 'tenant_id'));
        t.false(wrote);
      });
      continue;
    }

    test.serial(`${name}: an unknown field → 422 validation_failed naming it, nothing written`, async (t) => {
      const { reply, wrote } = await send(route, encoding, encode(encoding, { tenant_id: '7' }));
      t.is(reply.status, 422);
      const error = errorOf(reply);
      t.is(error.code, 'validation_failed');
      t.regex(error.message, /unknown field "tenant_id"/);
      t.false(wrote);
    });
  }

  test.serial(
    `${route.method} ${route.path}: a body that is neither of its content types → 415 unsupported_media_type, nothing written`,
    async (t) => {
      const { reply, wrote } = await send(route, 'text/plain', 'player_id=1');
      t.is(reply.status, 415);
      t.is(errorOf(reply).code, 'unsupported_media_type');
      t.false(wrote);
    },
  );
}
