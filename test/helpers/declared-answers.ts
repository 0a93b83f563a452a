import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import type { ErrorCode } from '../../src/errors.ts';
import type { Answer } from '../../src/http/answer-report.ts';
import { DECLARED_OPERATIONS } from '../../src/http/declared-operations.ts';
import { type Operation, koaPath } from '../../src/http/operation.ts';

type Declared = Operation<never>;

const byRoute = (operations: readonly Declared[]) =>
  new Map<string, Declared>(operations.map((operation) => [`${operation.method.toUpperCase()} ${koaPath(operation.path)}`, operation]));

/** The operation that took the request; Koa answers HEAD with the GET route. */
const operationOf = (operations: ReadonlyMap<string, Declared>, { method, route }: Answer) =>
  route === null ? undefined : operations.get(`${method === 'HEAD' ? 'GET' : method} ${route}`);

/**
 * The error answers a declared operation gave with a code it does not declare, one line each
 * (`POST /admin/players 404 player_not_found`). Requests no route took are not checked (every
 * route is declared: test/openapi.test.ts compares the router with the document the declarations make).
 * `internal_error` is never declared: it is a fault, which the test that caused it sees by its status.
 */
export function undeclaredErrors(answers: readonly Answer[], operations: readonly Declared[] = DECLARED_OPERATIONS): string[] {
  const declared = byRoute(operations);
  const undeclared = new Set<string>();
  for (const answer of answers) {
    const operation = operationOf(declared, answer);
    const { code } = answer;
    if (code === null || operation === undefined || code === 'internal_error' || operation.errors.includes(code as ErrorCode)) continue;
    undeclared.add(`${answer.method} ${answer.route} ${answer.status} ${code}`);
  }
  return [...undeclared];
}

/** An object's keys in one order, all the way down, so that two bodies compare by content alone. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;

/**
 * The JSON answers (not errors) a declared operation gave that its declaration does not describe,
 * one line each: a status it does not declare, or a body its schema for that status refuses, or
 * one with a field the schema does not have (parsing would drop it).
 */
export function undeclaredAnswers(answers: readonly Answer[], operations: readonly Declared[] = DECLARED_OPERATIONS): string[] {
  const declared = byRoute(operations);
  const undeclared = new Set<string>();
  for (const answer of answers) {
    const operation = operationOf(declared, answer);
    if (answer.code !== null || answer.body === undefined || operation === undefined) continue;
    const where = `${answer.method} ${answer.route} ${answer.status}`;
    const schema = operation.answers[answer.status]?.content?.['application/json']?.schema as z.ZodTypeAny | undefined;
    if (schema === undefined) {
      undeclared.add(`${where}: no JSON answer declared for this status`);
      continue;
    }
    // As it goes out on the wire: dates become strings, undefined fields vanish.
    const sent: unknown = JSON.parse(JSON.stringify(answer.body));
    const parsed = schema.safeParse(sent);
    if (!parsed.success) {
      undeclared.add(`${where}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
    } else if (!isDeepStrictEqual(canonical(JSON.parse(JSON.stringify(parsed.data))), canonical(sent))) {
      undeclared.add(`${where}: a field the declared answer does not have`);
    }
  }
  return [...undeclared];
}

/** Collects a test server's answers; `check` throws if any error code or answer was not declared. */
export function declaredAnswersCheck() {
  const answers: Answer[] = [];
  return {
    record: (answer: Answer) => {
      answers.push(answer);
    },
    check: () => {
      const problems = [...undeclaredErrors(answers), ...undeclaredAnswers(answers)];
      if (problems.length > 0) {
        throw new Error(`answers their operation does not declare (src/http/operation.ts):\n${problems.join('\n')}`);
      }
    },
  };
}
