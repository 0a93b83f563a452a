import test from 'ava';
import { ERRORS } from '../src/errors.ts';
import { DECLARED_OPERATIONS } from '../src/http/declared-operations.ts';
import { openApiDocument } from '../src/http/openapi.ts';
import { useHarness } from './helpers/context.ts';
import { undeclaredAnswers, undeclaredErrors } from './helpers/declared-answers.ts';
import { request } from './helpers/http.ts';

// Each operation is declared once (src/http/operation.ts), its answers and error codes included.
// Every test file's server checks the answers its traffic met against the declarations when it
// closes (test/helpers/server.ts); these tests check that check, and the document it feeds.

const harness = useHarness();

test('an error code the route does not declare is reported, one it declares is not', (t) => {
  t.deepEqual(
    undeclaredErrors([
      { method: 'GET', route: '/admin/teams', status: 401, code: 'unauthenticated', body: undefined },
      { method: 'HEAD', route: '/admin/players/:id', status: 404, code: 'player_not_found', body: undefined },
      { method: 'GET', route: '/admin/teams', status: 404, code: 'player_not_found', body: undefined },
      { method: 'POST', route: '/admin/players', status: 410, code: 'contract_superseded', body: undefined },
    ]),
    ['GET /admin/teams 404 player_not_found', 'POST /admin/players 410 contract_superseded'],
  );
});

test('faults, and requests no declared route took, are not checked', (t) => {
  t.deepEqual(
    undeclaredErrors([
      { method: 'GET', route: '/admin/teams', status: 500, code: 'internal_error', body: undefined },
      { method: 'GET', route: null, status: 404, code: 'not_found', body: undefined },
      { method: 'GET', route: '/not/declared/:id', status: 422, code: 'player_not_found', body: undefined },
    ]),
    [],
  );
});

test('an answer its declaration does not describe is reported: a status, a refused body, an extra field', (t) => {
  const team = { method: 'GET', route: '/admin/teams/:id', code: null } as const;
  t.deepEqual(
    undeclaredAnswers([
      { ...team, status: 200, body: { id: 1, name: 'U12' } },
      { ...team, status: 201, body: { id: 1, name: 'U12' } },
      { ...team, status: 200, body: { id: '1', name: 'U12' } },
      { ...team, status: 200, body: { id: 1, name: 'U12', tenant_id: 7 } },
    ]),
    [
      'GET /admin/teams/:id 201: no JSON answer declared for this status',
      'GET /admin/teams/:id 200: id Expected number, received string',
      'GET /admin/teams/:id 200: a field the declared answer does not have',
    ],
  );
});

test('times leave as ISO 8601 and pass; pages and error answers are not checked here', (t) => {
  t.deepEqual(
    undeclaredAnswers([
      {
        method: 'GET',
        route: '/admin/contract-terms',
        status: 200,
        code: null,
        body: {
          items: [{ version: 1, title: 'T', sha256: 'ab', created_at: new Date('2026-01-01T00:00:00Z'), language: null, translations: {} }],
        },
      },
      { method: 'GET', route: '/contract/:token/receipt', status: 200, code: null, body: undefined },
      { method: 'GET', route: '/admin/teams/:id', status: 404, code: 'unknown_team', body: undefined },
    ]),
    [],
  );
});

test('every declared code is documented under its status, and only declared codes are', (t) => {
  const document = openApiDocument() as {
    paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
  };
  for (const operation of DECLARED_OPERATIONS) {
    const { responses } = document.paths[operation.path]?.[operation.method] ?? t.fail(`${operation.path} is documented`);
    for (const code of operation.errors) {
      t.regex(responses[ERRORS[code].status]?.description ?? '', new RegExp(`\`${code}\``), `${operation.operationId}: ${code}`);
    }
    for (const [status, { description }] of Object.entries(responses)) {
      for (const [, code] of description.matchAll(/`([a-z_]+)`/g)) {
        if (code !== undefined && code in ERRORS)
          t.true(operation.errors.includes(code as keyof typeof ERRORS), `${operation.operationId} ${status}: ${code}`);
      }
    }
  }
});

test('a declared operation’s route takes the input its declaration validates', async (t) => {
  const { server } = harness();
  const token = await server.adminToken('no-such-club');
  const unknownQuery = await request(server.baseUrl, 'GET', '/admin/teams?page=2', { token });
  t.is(unknownQuery.status, 422);
  t.is(unknownQuery.body.error.code, 'validation_failed');
  const noToken = await request(server.baseUrl, 'GET', '/admin/teams?page=2');
  t.is(noToken.status, 401, 'who calls is checked before the input');
});
