import test from 'ava';
import fc from 'fast-check';
import { sql } from 'slonik';
import { ERRORS } from '../src/errors.ts';
import { encodeCursor } from '../src/http/cursor.ts';
import { openApiDocument } from '../src/http/openapi.ts';
import { offerContract } from '../src/contracts/store.ts';
import { checksummedTables, databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, createTeam, putContractInState, randomToken } from './helpers/fixtures.ts';
import {
  ACCEPTS,
  CONTENT_TYPES,
  CSV_CONTENT_TYPES,
  headerValue,
  jsonObjectText,
  oddBodyText,
  oddCsvCell,
  oddJsonValue,
  oddKey,
  oddQuery,
  oddSegment,
  oddString,
} from './helpers/hostile.ts';
import { type RawReply, type RawRequest, rawRequest } from './helpers/raw-http.ts';
import { routesOfTheApp } from './helpers/routes.ts';

// docs/PRODUCT.md, "Errors", "Non-functional guarantees", "Strict input" and "Errors everywhere",
// by property: whatever arrives at any route — arbitrary JSON, wrong types, huge numbers, odd
// unicode, bad query strings, odd headers, bad paths and ids — the answer is a 4xx with the JSON
// error body (or the route's documented success, for input that happens to be valid), never a 5xx
// or a stack trace; and a refused request leaves every table as it was.
//
// The routes come from the OpenAPI document, and a test checks they are exactly the routes the
// routers answer, so a new route is fuzzed without anyone listing it here. Family routes may answer
// their HTML error page instead of JSON, when the request's Accept asks for HTML (a browser).
//
// Bounded by count, not by time: RUNS_PER_ROUTE inputs per route, so a run tries the same inputs
// however loaded the machine is. The seed is fixed so a run is repeatable; FUZZ_SEED=<n> explores
// others (a failure prints its seed and path).

const harness = useHarness();
const RUNS_PER_ROUTE = 40;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_260_417;

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly tags?: string[];
  readonly parameters?: Array<{ name: string; in: string }>;
  readonly requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  readonly responses: Record<string, unknown>;
  readonly security?: unknown[];
}

const OPERATIONS: Operation[] = Object.entries(
  (openApiDocument() as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> }).paths,
).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
);

/** What the fuzzer knows of the club it attacks, so that some input is valid and reaches deep. */
interface World {
  readonly adminToken: string;
  readonly strangerToken: string;
  readonly playerIds: readonly number[];
  readonly teamIds: readonly number[];
  readonly contractTokens: readonly string[];
}
let world: World | undefined;
const tried = new Map<string, number>();

/** Built once, by the first test (hooks run side by side, and the harness is set up in one). */
async function buildWorld(): Promise<World> {
  if (world !== undefined) return world;
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const other = await createClub(db.pool, 'Eastside Hoops');
  const teamIds = [await createTeam(db.pool, club, 'U12 Gold'), await createTeam(db.pool, club, 'U14 Silver')];
  const playerIds = [];
  const contractTokens = [];
  for (const status of ['none', 'offered', 'declined', 'signed'] as const) {
    const playerId = await createPlayer(db.pool, club, { teamIds: [teamIds[0] ?? 0] });
    playerIds.push(playerId);
    if (status !== 'none') contractTokens.push(await putContractInState(db.pool, club, playerId, status));
  }
  // A replaced link: offered, then offered again with force.
  const replacedOwner = await createPlayer(db.pool, club);
  contractTokens.push(await putContractInState(db.pool, club, replacedOwner, 'offered'));
  await offerContract(db.pool, { tenantId: club.id, playerId: replacedOwner, monthlyFee: 90, targetTeamId: null, force: true, actor: 'a' });
  const strangerPlayer = await createPlayer(db.pool, other);
  const strangerTeam = await createTeam(db.pool, other);
  world = {
    adminToken: await server.adminToken(club.slug),
    strangerToken: await server.adminToken('no-such-club'),
    playerIds: [...playerIds, replacedOwner, strangerPlayer],
    teamIds: [...teamIds, strangerTeam],
    contractTokens,
  };
  return world;
}

test.after(() => {
  const total = [...tried.values()].reduce((sum, count) => sum + count, 0);
  console.log(`hostile input: ${total} requests over ${tried.size} routes (seed ${SEED})`);
});

const theWorld = (): World => {
  if (world === undefined) throw new Error('the world is built by buildWorld()');
  return world;
};

/** Values that could be right for a field or parameter of this name; anything else is hostile. */
function plausible(name: string): fc.Arbitrary<string> {
  const { playerIds, teamIds, contractTokens } = theWorld();
  const json = (...values: unknown[]) => fc.constantFrom(...values.map((value) => JSON.stringify(value)));
  switch (name) {
    case 'player_id':
      return json(...playerIds);
    case 'target_team_id':
      return json(...teamIds, null);
    case 'team_ids':
      return json([], [teamIds[0]], teamIds, [teamIds[0], teamIds[0]]);
    case 'monthly_fee':
      return json(1, 150, 1_000_000);
    case 'name':
    case 'signed_by':
      return fc.oneof(
        json('Dana Park', 'Zoë O’Brien'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((n) => JSON.stringify(n)),
      );
    case 'email':
      return json('family+x@example.test', 'dana@example.test');
    case 'signature_url':
      return json('https://sign.example.test/s/1');
    // Path and query parameters: raw text.
    case 'id':
      return fc.constantFrom(...playerIds.map(String), '1', '2147483647', '2147483648', '0', '-1', '1.5', '1e3', '01', '0x1', '%D9%A1');
    case 'token':
      return fc.oneof(
        fc.constantFrom(...contractTokens),
        fc.constant(randomToken()),
        fc.constantFrom(...contractTokens).map((token) => token.toLowerCase()),
        fc.constantFrom(...contractTokens).map((token) => `${token}x`),
      );
    case 'file':
      return fc.constantFrom(
        'family.css',
        'favicon.svg',
        'package.json',
        '..%2Fpackage.json',
        '__proto__',
        'constructor',
        'hasOwnProperty',
      );
    case 'force':
      return fc.constantFrom('true', 'false', 'TRUE', '1', '');
    case 'status':
      return fc.constantFrom('none', 'offered', 'declined', 'signed', 'Offered', 'offered,expired', 'signed,', 'none,none', ',');
    case 'limit':
      return fc.constantFrom('1', '50', '500', '501', '0', '-1', '1e2', '999');
    case 'cursor':
      return fc.constantFrom(encodeCursor(playerIds[0] ?? 1), encodeCursor(0), 'after:1', '');
    case 'since':
    case 'until':
      return fc.constantFrom(
        '2026-01-01T00:00:00Z',
        '2026-01-01T00:00:00+02:00',
        '2026-13-01T00:00:00Z',
        '1970-01-01T00:00:00Z',
        '+275760-09-13T00:00:00.000Z',
      );
    case 'outcome':
      return fc.constantFrom('signed', 'declined', 'name_missing', 'agreement_missing');
    default:
      return fc.constantFrom('1', 'true', 'x');
  }
}

/** What a run aims its hostility at; the rest of the request stays plausible, so it gets past the door. */
type Focus = 'method and path' | 'query' | 'headers' | 'body' | 'everything';
const FOCUS = fc.constantFrom<Focus>('method and path', 'query', 'headers', 'body', 'body', 'everything');

const hostileWhen = <T>(hostile: boolean, tame: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  hostile ? fc.oneof({ weight: 1, arbitrary: tame }, { weight: 4, arbitrary: odd }) : tame;

function authorization(operation: Operation, hostile: boolean): fc.Arbitrary<string | undefined> {
  const { adminToken, strangerToken } = theWorld();
  const tame = fc.constant(operation.security === undefined ? undefined : `Bearer ${adminToken}`);
  const odd = fc.oneof(
    fc.constantFrom(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `bearer ${adminToken}`,
      adminToken,
      `Bearer ${adminToken}x`,
      `Bearer ${adminToken.slice(0, -3)}`,
      `Bearer ${adminToken}, Bearer ${adminToken}`,
      `Bearer ${strangerToken}`,
      'Basic dXNlcjpwYXNz',
      'Bearer a.b.c',
      `Bearer ${'A'.repeat(8000)}`,
      `Bearer ${'a.'.repeat(3000)}a`,
      `Bearer ${'A'.repeat(20_000)}`, // past Node's 16 KB of headers
    ),
    oddString.map((value) => headerValue(value).slice(0, 4000)),
  );
  return hostileWhen(hostile, tame, odd);
}

interface Body {
  readonly text: string | Buffer;
  readonly contentType: string | undefined;
}

/**
 * The route's documented JSON fields with plausible values; hostile: one field made odd, dropped
 * or doubled, strays added, or no JSON object at all, under any content type.
 */
function body(operation: Operation, hostile: boolean): fc.Arbitrary<Body | undefined> {
  if (operation.requestBody?.content['text/csv'] !== undefined) return csvBody(hostile);
  const documented = operation.requestBody === undefined ? [] : Object.values(operation.requestBody.content);
  if (documented.length === 0 && !hostile) return fc.constant(undefined);
  const fields = Object.keys(documented[0]?.schema.properties ?? {});
  const tameMembers = fc.tuple(...fields.map((name) => fc.tuple(fc.constant(name), plausible(name))));
  const tame = tameMembers.map((members) => ({ text: jsonObjectText(members), contentType: 'application/json' }));
  if (!hostile) return tame;

  const oddMembers = fc.oneof(
    // One field made odd: the likeliest way past every other check to the one being tested.
    fc
      .tuple(tameMembers, fc.nat(), oddJsonValue)
      .map(([members, index, value]) =>
        members.map(([name, tameValue], at) => [name, at === index % members.length ? value : tameValue] as const),
      ),
    fc.tuple(tameMembers, fc.nat()).map(([members, index]) => members.filter((_, at) => at !== index % members.length)),
    fc
      .tuple(tameMembers, fc.array(fc.tuple(oddKey, oddJsonValue), { minLength: 1, maxLength: 2 }))
      .map(([members, strays]) => [...members, ...strays]),
    fc
      .tuple(tameMembers, fc.nat(), oddJsonValue)
      .map(([members, index, value]) =>
        members.length === 0 ? members : [...members, [members[index % members.length]?.[0] ?? '', value] as const],
      ),
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: oddMembers.map((members) => jsonObjectText(members)) },
    { weight: 2, arbitrary: oddBodyText },
  );
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.option(fc.record({ text, contentType }), { freq: 8 });
}

const ROSTER_HEADER = ['external_id', 'name', 'email', 'team', 'birth_date', 'guardian1_name', 'guardian1_email'];

/**
 * A roster file (docs/PRODUCT.md, "Roster import"): a header and rows of plausible cells; hostile:
 * one cell made odd, rows of odd cells joined by either delimiter, a header with strays, or bytes
 * that are no CSV, under any content type.
 */
function csvBody(hostile: boolean): fc.Arbitrary<Body | undefined> {
  const tameRow = fc
    .tuple(
      fc.constantFrom('', 'R-1', 'R-2', 'R-3'),
      fc.constantFrom('Mia Park', "Seán O'Brien", '"Park, Mia"'),
      fc.constantFrom('family@example.test', 'family+x@example.test'),
      fc.constantFrom('', 'U12 Gold', 'New team'),
      fc.constantFrom('', '2014-02-28'),
      fc.constantFrom('', 'Ana Park'),
      fc.constantFrom('', 'ana@example.test'),
    )
    .map((cells) => cells.join(','));
  const tameRows = fc.array(tameRow, { minLength: 1, maxLength: 3 });
  const tame = tameRows.map((rows) => ({ text: `${[ROSTER_HEADER.join(','), ...rows].join('\r\n')}\r\n`, contentType: 'text/csv' }));
  if (!hostile) return tame;

  const oddRow = fc
    .tuple(fc.array(oddCsvCell, { maxLength: 9 }), fc.constantFrom(',', ';'))
    .map(([cells, delimiter]) => cells.join(delimiter));
  const text = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(tameRows, fc.nat(), oddCsvCell)
        .map(([rows, at, cell]) => [ROSTER_HEADER.join(','), ...rows, cell].join(at % 2 === 0 ? '\n' : '\r\n')),
    },
    { weight: 3, arbitrary: fc.array(oddRow, { minLength: 1, maxLength: 4 }).map((rows) => [ROSTER_HEADER.join(','), ...rows].join('\n')) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(oddKey, { maxLength: 4 }), tameRows)
        .map(([strays, rows]) => [[...ROSTER_HEADER, ...strays].join(','), ...rows].join('\n')),
    },
    { weight: 2, arbitrary: oddBodyText },
  );
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant('text/csv') },
    { weight: 2, arbitrary: fc.constantFrom(...CSV_CONTENT_TYPES, ...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.option(fc.record({ text, contentType }), { freq: 8 });
}

interface HostileRequest extends RawRequest {
  readonly headers: Record<string, string>;
}

function hostileRequest(operation: Operation): fc.Arbitrary<HostileRequest> {
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
  const queryNames = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
  if (operation.tags?.includes('family') === true && operation.method === 'GET') queryNames.push('outcome');

  const path = (hostile: boolean) =>
    fc
      .tuple(
        fc.tuple(...pathParameters.map((name) => hostileWhen(hostile, plausible(name), oddSegment))),
        hostileWhen(hostile, fc.constant(''), fc.constantFrom('', '/', '//', '/x', '/..', '%2F', '.json')),
        hostileWhen(hostile, fc.constant(false), fc.boolean()),
      )
      .map(([values, suffix, upperCase]) => {
        let filled = operation.path;
        pathParameters.forEach((name, index) => {
          filled = filled.replace(`{${name}}`, values[index] ?? '');
        });
        return (upperCase ? filled.toUpperCase() : filled) + suffix;
      });
  const method = (hostile: boolean) =>
    hostileWhen(
      hostile,
      fc.constant(operation.method),
      fc.constantFrom('PUT', 'PATCH', 'DELETE', operation.method === 'GET' ? 'HEAD' : 'GET'),
    );
  const extraHeaders = fc.record(
    {
      'x-forwarded-for': fc.oneof(
        fc.constantFrom('203.0.113.9', '::1', 'not-an-ip', '1.1.1.1, 2.2.2.2', ''),
        oddString.map((value) => headerValue(value).slice(0, 1000)),
      ),
      'x-request-id': oddString.map((value) => headerValue(value).slice(0, 300)),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
      'x-tenant': fc.constantFrom('eastside', '1'),
      cookie: fc.constantFrom('tenant=1', '__proto__=x', '%zz'),
    },
    { requiredKeys: [] },
  );

  return FOCUS.chain((focus) => {
    const at = (part: Focus) => focus === part || focus === 'everything';
    return fc.record({
      method: method(at('method and path')),
      path: path(at('method and path')),
      query: at('query') ? oddQuery(queryNames, plausible) : fc.constant(''),
      accept: hostileWhen(at('headers'), fc.constant<string | null>(null), fc.constantFrom(...ACCEPTS)),
      authorization: authorization(operation, at('headers')),
      extraHeaders: at('headers') ? extraHeaders : fc.constant({}),
      body: body(operation, at('body')),
      chunked: at('body') ? fc.boolean() : fc.constant(false),
    });
  }).map((drawn) => {
    const headers: Record<string, string> = { ...drawn.extraHeaders };
    if (drawn.accept !== null) headers.accept = drawn.accept;
    if (drawn.authorization !== undefined) headers.authorization = drawn.authorization;
    if (drawn.body?.contentType !== undefined) headers['content-type'] = drawn.body.contentType;
    return { method: drawn.method, path: `${drawn.path}${drawn.query}`, headers, body: drawn.body?.text, chunked: drawn.chunked };
  });
}

const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+/;

/** Why the answer breaks the rules, or null if it keeps them. */
function problemWith(operation: Operation, request: HostileRequest, reply: RawReply): string | null {
  if (reply.status >= 500) return `answered ${reply.status}: ${reply.text.slice(0, 300)}`;
  if (STACK_TRACE.test(reply.text)) return 'the answer shows a stack trace';
  const type = reply.headers['content-type'] ?? '';
  if (reply.status >= 400) {
    // Family routes answer their error page when Accept prefers HTML to JSON (a browser).
    const mayBeHtml = operation.tags?.includes('family') === true && /html|text\/\*|\*\/\*/i.test(request.headers.accept ?? '');
    if (mayBeHtml && type.startsWith('text/html')) {
      return request.method === 'HEAD' || /^<!doctype html>/i.test(reply.text) ? null : 'the error page is not HTML';
    }
    if (!/^application\/json/.test(type)) return `a ${reply.status} answered as ${type || 'no content type'}`;
    if (request.method === 'HEAD') return null;
    let answer: unknown;
    try {
      answer = JSON.parse(reply.text);
    } catch {
      return `a ${reply.status} whose body is not JSON: ${reply.text.slice(0, 200)}`;
    }
    const error = (answer as { error?: { code?: unknown; message?: unknown } }).error;
    const keys = Object.keys(answer as object);
    if (keys.length !== 1 || typeof error !== 'object' || error === null) return `not the error body: ${reply.text.slice(0, 200)}`;
    const code = String(error.code);
    if (!Object.hasOwn(ERRORS, code)) return `an unregistered error code: ${code}`;
    if (ERRORS[code as keyof typeof ERRORS].status !== reply.status) return `${code} answered with ${reply.status}`;
    if (typeof error.message !== 'string' || error.message === '') return 'an error without a message';
    return null;
  }
  // A wrong method may be another route's right one (GET and POST /admin/teams); HEAD is GET's.
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const answering = OPERATIONS.find((each) => each.path === operation.path && each.method === method);
  if (answering === undefined || !Object.hasOwn(answering.responses, String(reply.status))) {
    return `${request.method} answered ${reply.status}, which the route does not document`;
  }
  return answering.requestBody === undefined ? null : changedOnTheWay(request, reply);
}

/**
 * Text is stored exactly as sent (docs/PRODUCT.md, "Strict input"): a success that echoes a field
 * sent must echo it unchanged.
 */
function changedOnTheWay(request: HostileRequest, reply: RawReply): string | null {
  const sent = parsedObject(request.body);
  const answered = /^application\/json/.test(reply.headers['content-type'] ?? '') ? parsedObject(reply.text) : null;
  if (sent === null || answered === null) return null;
  for (const [field, value] of Object.entries(answered)) {
    if (typeof value === 'string' && typeof sent[field] === 'string' && sent[field] !== value) {
      return `"${field}" was sent as ${JSON.stringify(sent[field])} and came back as ${JSON.stringify(value)}`;
    }
  }
  return null;
}

function parsedObject(text: string | Buffer | undefined): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(String(text));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

test.serial('the checksum covers every table, the audit log included, and sees a single changed row', async (t) => {
  const { pool } = harness().db;
  const tables = await checksummedTables(pool);
  for (const table of ['tenants', 'teams', 'players', 'player_teams', 'contract_audit_log'])
    t.true(tables.includes(`public.${table}`), table);
  t.false(tables.includes('public.pgmigrations'));

  const club = await createClub(pool);
  const before = await databaseChecksum(pool);
  await pool.query(sql.unsafe`UPDATE tenants SET name = name || '.' WHERE id = ${club.id}`);
  t.not(await databaseChecksum(pool), before);
});

for (const operation of OPERATIONS) {
  const route = `${operation.method} ${operation.path}`;
  test.serial(`${route}: hostile input gets a 4xx error body or a documented answer, and a refusal writes nothing`, async (t) => {
    const { db, server } = harness();
    await buildWorld();
    let before = await databaseChecksum(db.pool);
    let inFlight: Promise<unknown> = Promise.resolve();
    const started = Date.now();

    const property = fc.asyncProperty(hostileRequest(operation), async (request) => {
      const exchange = (async () => {
        const reply = await rawRequest(server.baseUrl, request);
        const after = await databaseChecksum(db.pool);
        return { reply, after };
      })();
      inFlight = exchange.catch(() => undefined);
      const { reply, after } = await exchange;
      const wrote = after !== before;
      before = after;
      const problem = problemWith(operation, request, reply);
      if (problem !== null) throw new Error(problem);
      if (wrote && reply.status >= 400) throw new Error(`a ${reply.status} changed the database`);
      if (wrote && (request.method === 'GET' || request.method === 'HEAD')) throw new Error(`a ${request.method} changed the database`);
    });
    const details = await fc.check(property, { numRuns: RUNS_PER_ROUTE, seed: SEED });
    await inFlight;

    tried.set(route, details.numRuns);
    t.log(`${details.numRuns} inputs in ${Date.now() - started} ms`);
    if (details.failed) t.fail(`${String(details.errorInstance)}\n${fc.defaultReportMessage(details)}`);
    t.is(details.numRuns, RUNS_PER_ROUTE);
  });
}

test.serial('every route the routers answer is fuzzed above', async (t) => {
  const routes = await routesOfTheApp(harness().db.pool);
  t.deepEqual(
    OPERATIONS.map((operation) => `${operation.method} ${operation.path}`).sort(),
    routes.map((route) => `${route.method} ${route.openApiPath}`).sort(),
  );
});
