import type { ErrorCode } from '../../src/errors.ts';
import type { AnsweredError } from '../../src/http/answered-errors.ts';
import { DECLARED_OPERATIONS } from '../../src/http/declared-operations.ts';
import { type Operation, koaPath } from '../../src/http/operation.ts';

/**
 * The error answers a declared operation gave with a code it does not declare, one line each
 * (`POST /admin/players 404 player_not_found`). Requests no route took are not checked (every
 * route is declared: test/openapi.test.ts compares the router with the document the declarations make). `internal_error` is never declared: it is a fault,
 * which the test that caused it sees by its status.
 */
export function undeclaredErrors(
  answers: readonly AnsweredError[],
  operations: readonly Operation<never>[] = DECLARED_OPERATIONS,
): string[] {
  const declared = new Map<string, ReadonlySet<ErrorCode>>(
    operations.map((operation) => [`${operation.method.toUpperCase()} ${koaPath(operation.path)}`, new Set(operation.errors)]),
  );
  const undeclared = new Set<string>();
  for (const { method, route, status, code } of answers) {
    // Koa answers HEAD with the GET route.
    const codes = declared.get(`${method === 'HEAD' ? 'GET' : method} ${route}`);
    if (route === null || codes === undefined || code === 'internal_error' || codes.has(code)) continue;
    undeclared.add(`${method} ${route} ${status} ${code}`);
  }
  return [...undeclared];
}

/** Collects a test server's error answers; `check` throws if any code was not declared. */
export function declaredErrorsCheck() {
  const answers: AnsweredError[] = [];
  return {
    record: (answer: AnsweredError) => {
      answers.push(answer);
    },
    check: () => {
      const undeclared = undeclaredErrors(answers);
      if (undeclared.length > 0) {
        throw new Error(`error codes answered that their operation does not declare (src/http/operation.ts):\n${undeclared.join('\n')}`);
      }
    },
  };
}
