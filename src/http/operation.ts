import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import { readCsvBody, readIdempotencyKey, readJsonBody, readPath, readQuery } from './request.ts';
import { noQuery } from './input.ts';

/**
 * One HTTP operation, written once: what it takes, what it answers and which error codes it may
 * answer. The same value registers the Koa route (with its input validated before the handler
 * runs) and becomes the operation's path in /openapi.json (operation-document.ts), so the two
 * cannot drift; test/helpers/declared-answers.ts checks the error codes and the answers' shapes against what tests see.
 */
export interface Operation<Deps> {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI's syntax, `/admin/players/{id}`: the Koa route is derived from it. */
  readonly path: string;
  /** Generated clients name their methods after it (redocly checks it is there and unique). */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly security: NonNullable<RouteConfig['security']>;
  readonly params?: ParameterSchema;
  /** Absent: the operation takes no query parameters and refuses any (schemas.ts noQuery). */
  readonly query?: ParameterSchema;
  readonly body?: OperationBody;
  /** Takes an Idempotency-Key header, so a write can be retried safely. */
  readonly idempotent: boolean;
  /** The answers that are not errors, by status. */
  readonly answers: Readonly<Record<number, ResponseConfig>>;
  /** Every error code the operation may answer, its group's shared ones included. */
  readonly errors: readonly ErrorCode[];
  /** What a code means here, where the code alone does not say (it documents the code). */
  readonly notes: Readonly<Partial<Record<ErrorCode, string>>>;
  /** Adds the Koa route; the handler sees only input that passed the operation's schemas. */
  readonly register: (router: Router, deps: Deps) => void;
}

/** A zod object (refined or not), as OpenAPI's path and query parameters take it. */
type ParameterSchema = NonNullable<NonNullable<RouteConfig['request']>['query']>;

export interface OperationBody<S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly schema: S;
  /**
   * JSON unless said otherwise. A CSV body (a roster import) reaches the handler as the bytes sent
   * (request.ts readCsvBody): its reader checks them, and `schema`, of a Buffer, only documents it.
   */
  readonly mediaType?: 'application/json' | 'text/csv';
  /** For the bodies that may be long (request.ts readJsonBody, readCsvBody). */
  readonly limit?: string;
  /** True unless said otherwise (OpenAPI's default is optional). */
  readonly required?: boolean;
  /** Other media types a browser's form posts the same operation in, handled elsewhere (family pages). */
  readonly alsoAccepted?: Readonly<Record<string, { readonly schema: z.ZodTypeAny }>>;
}

/** What a handler gets, each part already validated. */
export interface Input<Caller, P extends ParameterSchema, Q extends ParameterSchema, B extends z.ZodTypeAny> {
  readonly caller: Caller;
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: z.output<B>;
  /** Null unless the operation is idempotent and the client sent one. */
  readonly idempotencyKey: string | null;
}

/** What a group of operations shares: who may call, how that is checked, and the errors that come with it. */
export interface OperationGroup<Deps, Caller> {
  readonly tag: string;
  readonly security: NonNullable<RouteConfig['security']>;
  /** Runs before any input is read, so that a caller who may not call learns nothing of the input's faults. */
  readonly guard: (ctx: Context, deps: Deps) => Caller | Promise<Caller>;
  readonly errors: readonly ErrorCode[];
  readonly notes?: Readonly<Partial<Record<ErrorCode, string>>>;
}

export interface Declaration<Deps, Caller, P extends ParameterSchema, Q extends ParameterSchema, B extends z.ZodTypeAny> {
  readonly method: Operation<Deps>['method'];
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: OperationBody<B>;
  readonly idempotent?: boolean;
  readonly answers: Readonly<Record<number, ResponseConfig>>;
  /** The operation's own codes; the group's are added. */
  readonly errors?: readonly ErrorCode[];
  readonly notes?: Readonly<Partial<Record<ErrorCode, string>>>;
  readonly handle: (ctx: Context, input: Input<Caller, P, Q, B>, deps: Deps) => void | Promise<void>;
}

/** What the body, JSON or CSV, and an Idempotency-Key add to an operation's codes. */
const BODY_ERRORS: readonly ErrorCode[] = ['malformed_json', 'payload_too_large', 'unsupported_media_type', 'request_timeout'];
const CSV_BODY_ERRORS: readonly ErrorCode[] = [
  'malformed_request',
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
];
const IDEMPOTENCY_ERRORS: readonly ErrorCode[] = ['idempotency_in_progress', 'idempotency_key_reused'];

/** The declaring function of a group: each operation it declares carries the group's security and errors. */
export function operationGroup<Deps, Caller>(group: OperationGroup<Deps, Caller>) {
  return <
    P extends ParameterSchema = typeof noQuery,
    Q extends ParameterSchema = typeof noQuery,
    B extends z.ZodTypeAny = z.ZodUndefined,
  >(
    declaration: Declaration<Deps, Caller, P, Q, B>,
  ): Operation<Deps> => {
    const { handle, errors = [], notes = {}, idempotent = false, ...described } = declaration;
    return {
      ...described,
      tag: group.tag,
      security: group.security,
      idempotent,
      errors: [
        ...new Set([
          ...group.errors,
          ...(declaration.body === undefined ? [] : declaration.body.mediaType === 'text/csv' ? CSV_BODY_ERRORS : BODY_ERRORS),
          ...(idempotent ? IDEMPOTENCY_ERRORS : []),
          ...errors,
        ]),
      ],
      notes: { ...group.notes, ...notes },
      register(router, deps) {
        router[declaration.method](koaPath(declaration.path), async (ctx) => {
          const caller = await group.guard(ctx, deps);
          const query = readQuery(ctx, declaration.query ?? noQuery);
          const params = declaration.params ? readPath(ctx, declaration.params) : {};
          const idempotencyKey = idempotent ? readIdempotencyKey(ctx) : null;
          const body = await readBody(ctx, declaration.body);
          await handle(ctx, { caller, query, params, body, idempotencyKey }, deps);
        });
      },
    };
  };
}

/** The body as the declaration takes it, checked; undefined for an operation that takes none. */
async function readBody<B extends z.ZodTypeAny>(
  ctx: Context,
  body: OperationBody<B> | undefined,
): Promise<z.output<B> | undefined> {
  if (body === undefined) return undefined;
  if (body.mediaType === 'text/csv') return body.schema.parse(await readCsvBody(ctx, body.limit));
  return readJsonBody(ctx, body.schema, body.limit);
}

/** `/admin/players/{id}` as Koa writes it: `/admin/players/:id`. */
export const koaPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/** Adds every operation's route to `router`. */
export function registerOperations<Deps>(router: Router, operations: readonly Operation<Deps>[], deps: Deps): Router {
  for (const operation of operations) operation.register(router, deps);
  return router;
}
