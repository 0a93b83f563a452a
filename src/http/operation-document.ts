import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ERRORS, type ErrorCode } from '../errors.ts';
import type { Operation } from './operation.ts';
import { errorBody } from './answers.ts';
import { idempotencyKeyHeader } from './input.ts';

/**
 * What the common codes mean wherever they are answered; an operation's own note replaces these.
 * Codes with neither are documented by name alone.
 */
const SHARED_NOTES: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'with zod’s issues in `details`',
  migrations_pending:
    'this instance’s database has not run every migration its code needs yet, as during a deployment; /readyz lists ' +
    'them. Retry shortly, or on another instance',
  idempotency_in_progress: 'a request with the same Idempotency-Key is still running',
  idempotency_key_reused: 'the Idempotency-Key was used for a different request',
  unsupported_media_type: 'the body is not JSON',
  request_timeout: 'the body did not arrive in time',
};

/** The operation's path in /openapi.json: its error codes grouped by their status (src/errors.ts). */
export function documentOperation(registry: OpenAPIRegistry, operation: Operation<never>): void {
  const { body } = operation;
  registry.registerPath({
    method: operation.method,
    path: operation.path,
    operationId: operation.operationId,
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    security: operation.security,
    request: {
      ...(operation.idempotent ? { headers: idempotencyKeyHeader } : {}),
      ...(operation.params ? { params: operation.params } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(body
        ? {
            body: {
              required: body.required ?? true,
              content: { [body.mediaType ?? 'application/json']: { schema: body.schema }, ...body.alsoAccepted },
            },
          }
        : {}),
    },
    responses: { ...errorResponses(operation), ...operation.answers },
  });
}

function errorResponses({ errors, notes }: Operation<never>): Record<number, ResponseConfig> {
  const byStatus = new Map<number, string[]>();
  for (const code of errors) {
    const note = notes[code] ?? SHARED_NOTES[code];
    const line = note === undefined ? `\`${code}\`.` : `\`${code}\`: ${note}.`;
    byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), line]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, lines]) => [
      status,
      { description: lines.join(' '), content: { 'application/json': { schema: errorBody } } },
    ]),
  );
}
