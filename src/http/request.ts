import parseBody from 'co-body';
import type { Context } from 'koa';
import type { ZodIssue, z } from 'zod';
import { AppError, type ErrorCode } from '../errors.ts';
import { idempotencyKeyHeader } from './input.ts';

const BODY_LIMIT = '16kb';

/** The JSON body, checked against `schema`: 415, 413, 400 or 422 when it is not what we take. */
/** `limit` is for the one body that may be long: a club's contract terms (up to 100,000 characters). */
export async function readJsonBody<S extends z.ZodTypeAny>(ctx: Context, schema: S, limit = BODY_LIMIT): Promise<z.output<S>> {
  return validate(schema, await readJson(ctx, limit), { what: 'The request body', part: 'field' });
}

export function readQuery<S extends z.ZodTypeAny>(ctx: Context, schema: S): z.output<S> {
  return validate(schema, ctx.query, { what: 'The query string', part: 'parameter' });
}

export function readPath<S extends z.ZodTypeAny>(ctx: Context & { params?: unknown }, schema: S): z.output<S> {
  return validate(schema, ctx.params, { what: 'The path', part: 'parameter' });
}

function validate<S extends z.ZodTypeAny>(schema: S, input: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AppError('validation_failed', { message: describe(result.error.issues, where), details: result.error.issues });
  }
  return result.data;
}

interface Where {
  readonly what: string;
  readonly part: 'field' | 'parameter';
}

const LISTED_ISSUES = 3;

/** A message that names what to fix: `The request body is not valid: unknown field "tenant_id".` */
function describe(issues: readonly ZodIssue[], { what, part }: Where): string {
  const quote = (name: string | number) => JSON.stringify(String(name).slice(0, 60));
  const problems = issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const s = issue.keys.length === 1 ? '' : 's';
      return `unknown ${part}${s} ${issue.keys.slice(0, LISTED_ISSUES).map(quote).join(', ')}`;
    }
    return issue.path.length === 0 ? issue.message : `${issue.path.map(quote).join('.')}: ${issue.message}`;
  });
  const more = problems.length > LISTED_ISSUES ? ` (and ${problems.length - LISTED_ISSUES} more)` : '';
  return `${what} is not valid: ${problems.slice(0, LISTED_ISSUES).join('; ')}${more}.`;
}

/** The Idempotency-Key header, if the client sent one (an admin write may then be retried safely). */
export function readIdempotencyKey(ctx: Context): string | null {
  const headers = validate(
    idempotencyKeyHeader,
    { 'idempotency-key': ctx.get('idempotency-key') || undefined },
    { what: 'The Idempotency-Key header', part: 'parameter' },
  );
  return headers['idempotency-key'] ?? null;
}

/** Whether the request is a form post (the family page without JavaScript) rather than JSON. */
export function isFormPost(ctx: Context): boolean {
  return ctx.request.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

/** Whether the client's Accept ranks an HTML page above JSON, as a browser's does (any type, or none: JSON). */
export function prefersHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

/** The form post's fields, checked against `schema` as strictly as a JSON body: 413 or 422. */
export async function readFormBody<S extends z.ZodTypeAny>(ctx: Context, schema: S): Promise<z.output<S>> {
  const form = await parse(() => parseBody.form(ctx.req, { limit: BODY_LIMIT }), 'validation_failed', BODY_LIMIT);
  return validate(schema, form, { what: 'The form', part: 'field' });
}

/**
 * A text/csv body, as the bytes sent (its reader checks they are UTF-8, and can say on which line
 * they are not): 415 for another type or a charset other than UTF-8, 413 over `limit`. No body at
 * all is an empty file.
 */
export async function readCsvBody(ctx: Context, limit = BODY_LIMIT): Promise<Buffer> {
  if (!hasBody(ctx)) return Buffer.alloc(0);
  if (!ctx.request.is('text/csv'))
    throw new AppError('unsupported_media_type', { message: 'Send the request body as text/csv.' });
  if (!/^(|utf-?8)$/i.test(ctx.request.charset)) {
    throw new AppError('unsupported_media_type', {
      message: `Send the file in UTF-8 (a spreadsheet's "CSV UTF-8"), not ${ctx.request.charset}.`,
    });
  }
  return parse(() => parseBody.text(ctx.req, { limit, ...AS_BYTES }), 'malformed_request', limit);
}

/** raw-body, under co-body, answers the bytes themselves when given no encoding; @types/co-body knows only encodings' names. */
const AS_BYTES = { encoding: null } as unknown as { encoding: string };

const hasBody = (ctx: Context): boolean => (ctx.request.length ?? 0) > 0 || ctx.get('transfer-encoding') !== '';

async function readJson(ctx: Context, limit: string): Promise<unknown> {
  if (!hasBody(ctx)) return undefined;
  if (!ctx.request.is('application/json')) throw new AppError('unsupported_media_type');
  return parse(() => parseBody.json(ctx.req, { limit, strict: true }), 'malformed_json', limit);
}

async function parse<T>(read: () => Promise<T>, unreadable: ErrorCode, limit: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const { status, type } = error as { status?: unknown; type?: unknown };
    // The body stopped coming: the server cut it off at HTTP_REQUEST_TIMEOUT_MS (and answered 408
    // itself, src/http/server.ts), or the client hung up. Either way it is no malformed body.
    if (type === 'request.aborted') throw new AppError('request_timeout', { cause: error });
    if (status === 413) throw new AppError('payload_too_large', { message: `The body is over ${limit}.` });
    if (status === 415) throw new AppError('unsupported_media_type', { message: 'Send the body as UTF-8.' });
    throw new AppError(unreadable, { cause: error });
  }
}
