import test from 'ava';
import { ERRORS } from '../src/errors.ts';
import { DECLARED_OPERATIONS } from '../src/http/declared-operations.ts';
import { openApiDocument } from '../src/http/openapi.ts';
import { useHarness } from './helpers/context.ts';
import { undeclaredErrors } from './helpers/declared-errors.ts';
import { request } from './helpers/http.ts';

// Issue 22: each operation is declared once (src/http/operation.ts), its error codes included.
// Every test file's server checks the codes its traffic met against the declarations when it
// closes (test/helpers/server.ts); these tests check that check, and the document it feeds.

const harness = useHarness();

test('an error code the route does not declare is reported, one it declares is not', (t) => {
  t.deepEqual(
    undeclaredErrors([
      { method: 'GET', route: '/admin/teams', status: 401, code: 'unauthenticated' },
      { method: 'HEAD', route: '/admin/players/:id', status: 404, code: 'player_not_found' },
      { method: 'GET', route: '/admin/teams', status: 404, code: 'player_not_found' },
      { method: 'POST', route: '/admin/players', status: 410, code: 'contract_superseded' },
    ]),
    ['GET /admin/teams 404 player_not_found', 'POST /admin/players 410 contract_superseded'],
  );
});

test('faults, and requests no declared route took, are not checked', (t) => {
  t.deepEqual(
    undeclaredErrors([
      { method: 'GET', route: '/admin/teams', status: 500, code: 'internal_error' },
      { method: 'GET', route: null, status: 404, code: 'not_found' },
      { method: 'GET', route: '/not/declared/:id', status: 422, code: 'player_not_found' },
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
