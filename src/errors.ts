import {
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
  ForeignKeyIntegrityConstraintViolationError,
  UniqueIntegrityConstraintViolationError,
} from 'slonik';

/**
 * Every error code the service answers with (docs/PRODUCT.md, "Errors"), its HTTP status, and — for
 * the ones the database raises — the SQLSTATE that `sql/` uses. This is the one place the two meet.
 *
 * Own SQLSTATEs follow graphile/starter's rules so they can never clash with PostgreSQL's: five
 * upper-case characters, not starting with F/H/P/X or 00/01/02/22/23/40/57, third character not 0
 * or P, fourth a letter.
 */
export const ERRORS = {
  // INVAL: a SQL function's re-check of input the service validates first, for what the request's
  // schema lets through and the database does not take (a time zone Intl knows and PostgreSQL does
  // not, sql/update_club.sql; a player's birth date and guardians, sql/check_player_people.sql),
  // naming the field in the error's COLUMN where it can.
  validation_failed: { status: 422, sqlstate: 'INVAL', message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'This route does not accept that method.' },
  // A method no route of the service takes (TRACE, PROPFIND…), on any path: the client's request,
  // not a fault of ours, so it is not logged as an error.
  not_implemented: { status: 501, message: 'This service does not implement that HTTP method.' },
  malformed_request: { status: 400, message: 'The request is not valid HTTP.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  too_many_requests: {
    status: 429,
    message: 'Too many links that open no contract were tried from your address. Try again in a moment.',
  },
  unauthenticated: { status: 401, message: 'A valid bearer token is required.' },
  forbidden: { status: 403, message: 'The token does not grant access.' },
  // docs/PRODUCT.md, "Family links": a family post, form or JSON, from another site's page.
  cross_site_post: {
    status: 403,
    message: 'A contract is signed or declined only from its own page: this request was sent from another site.',
  },
  player_not_found: { status: 404, sqlstate: 'UNKPL', message: 'No such player in your club.' },
  team_not_found: { status: 422, sqlstate: 'UNKTM', message: 'No such team in your club.' },
  team_name_taken: { status: 409, message: 'Your club already has a team with that name.' },
  // PATCH /admin/teams/:id: the team in the path. team_not_found (422) stays the answer for a team
  // named in a body (an offer's target, a player's team_ids).
  unknown_team: { status: 404, message: 'No such team in your club.' },
  // docs/WEBHOOKS.md, "Endpoints": the endpoint in the path; another club's is as unknown.
  webhook_not_found: { status: 404, message: 'No such webhook endpoint in your club.' },
  // docs/WEBHOOKS.md, "Endpoints": an http URL, or one whose host resolves to a loopback, private,
  // link-local, shared (CGNAT), multicast or unspecified address, without WEBHOOK_ALLOW_PRIVATE_NETWORKS.
  webhook_url_not_allowed: {
    status: 422,
    message: 'Webhooks are delivered only to https URLs of public addresses: details says what is wrong with this one.',
  },
  // PATCH and POST /admin/players: the club's own id for a player is another of its players' (players_external_id_unique).
  external_id_taken: { status: 409, message: 'Another player of your club has this external_id.' },
  // POST /admin/players/import (docs/PRODUCT.md, "Roster import"): the file cannot be imported as it
  // stands, with every row that says why in `details` ([{line, column, message}]); nothing was
  // written. The database raises it with that list as its DETAIL (sql/import_players.sql).
  import_invalid: {
    status: 422,
    sqlstate: 'IMINV',
    message: 'The file cannot be imported as it stands: every line to fix is in details. Nothing was imported.',
  },
  team_change_needs_offer: {
    status: 409,
    sqlstate: 'TMOFR',
    message: 'The player has a signed contract: they move to another team only by a tier-change offer.',
  },
  offer_exists: {
    status: 409,
    sqlstate: 'OFFEX',
    message: 'The player already has an open offer. Re-send with force=true to replace it.',
  },
  team_change_required: {
    status: 422,
    sqlstate: 'TMCHG',
    message: 'The player has a signed contract: a new offer must move them to a team they are not on.',
  },
  contract_not_found: { status: 404, sqlstate: 'UNKCT', message: 'No contract has this link.' },
  contract_superseded: {
    status: 410,
    sqlstate: 'CTSUP',
    message: 'This link was replaced by a newer offer. Use the link in the most recent e-mail from the club.',
  },
  contract_already_signed: { status: 409, sqlstate: 'CTSGN', message: 'This contract is already signed.' },
  contract_already_declined: { status: 409, sqlstate: 'CTDCL', message: 'This contract was declined.' },
  already_signed_by_you: {
    status: 409,
    sqlstate: 'CTSGY',
    message: 'You have already signed this contract; it waits for the other signers.',
  },
  contract_withdrawn: { status: 410, sqlstate: 'CTWDN', message: 'The club withdrew this offer. Ask the club for a new one.' },
  contract_expired: { status: 410, sqlstate: 'CTEXP', message: 'This offer expired unsigned. Ask the club for a new one.' },
  no_open_offer: { status: 409, sqlstate: 'CTNOP', message: 'The player has no open offer.' },
  too_many_players: {
    status: 422,
    message: 'One request offers at most 1,000 players: split the roster, or narrow the selection.',
  },
  contract_not_signed: { status: 404, message: 'No receipt: this contract is not signed.' },
  // The worker makes a completed contract's PDF right after the signature (docs/RECEIPTS.md); a
  // request in the seconds before is told to come back (Retry-After). A GET never writes. A 404 as
  // contract_not_signed: not there (yet), no fault of the service's.
  receipt_pending: {
    status: 404,
    message: 'The sealed PDF of this contract is being made: try again in a few seconds.',
  },
  // A contract made signed by an operator's override_contract has no `sign` audit row: no signature
  // through a link to seal (docs/RECEIPTS.md).
  receipt_unavailable: {
    status: 404,
    message: 'This contract was recorded as signed by the club, not signed through a link: it has no sealed PDF receipt.',
  },
  idempotency_key_reused: {
    status: 422,
    sqlstate: 'IDKRU',
    message: 'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
  },
  idempotency_in_progress: {
    status: 409,
    sqlstate: 'IDKIP',
    message: 'A request with this Idempotency-Key is still running. Retry once it has finished.',
  },
  audit_log_append_only: {
    status: 409,
    sqlstate: 'AUDRO',
    message: 'The contract audit log cannot be changed.',
  },
  contract_terms_immutable: {
    status: 409,
    sqlstate: 'TRMRO',
    message: 'Contract terms cannot be changed once published: publish a new version.',
  },
  // Raised by the database when something writes players around the contract rules (docs/DESIGN.md,
  // "The rules in the database"). The service's own calls never do; the codes live here so that
  // every SQLSTATE has one home.
  contract_write_refused: {
    status: 409,
    sqlstate: 'CTRAW',
    message: 'Contract columns change only through the contract functions, or override_contract with a reason.',
  },
  contract_transition_refused: {
    status: 409,
    sqlstate: 'CTTRN',
    message: 'That change of contract status is not a transition of the contract machine.',
  },
  contract_override_invalid: {
    status: 422,
    sqlstate: 'CTOVR',
    message: 'An override needs a reason, an actor, and contract columns it can set that it changes.',
  },
  rules_out_of_sync: {
    status: 503,
    sqlstate: 'CTSKW',
    message: 'The service and its database disagree on the contract rules, as during a deployment. Try again shortly.',
  },
  database_unavailable: { status: 503, message: 'The database is unavailable. Try again shortly.' },
  // src/operations/schema-gate.ts: this instance's database lacks a migration its code needs, as during a deployment.
  migrations_pending: {
    status: 503,
    message: 'This instance is waiting for its database to be migrated, as during a deployment. Try again shortly.',
  },
  identity_provider_unavailable: {
    status: 503,
    message: "The identity provider's keys could not be fetched. Try again shortly.",
  },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string; sqlstate?: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface AppErrorOptions {
  /** Replaces the registry's message with a more specific one. */
  readonly message?: string;
  /** Sent to the client as `error.details`. */
  readonly details?: unknown;
  /** For the server's log only. */
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly details: unknown;

  constructor(
    readonly code: ErrorCode,
    options: AppErrorOptions = {},
  ) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERRORS[code].status;
    this.details = options.details;
  }
}

const BY_SQLSTATE = new Map<string, ErrorCode>(
  Object.entries(ERRORS).flatMap(([code, entry]) => ('sqlstate' in entry ? [[entry.sqlstate, code as ErrorCode] as const] : [])),
);

/** The error a refusal's SQLSTATE stands for, as a request refused with it would answer. */
export function refusalOfSqlState(sqlstate: string): AppError {
  const code = BY_SQLSTATE.get(sqlstate);
  return code === undefined ? new AppError('internal_error') : new AppError(code);
}

/** Constraints whose violation is the caller's mistake rather than ours. */
const BY_CONSTRAINT: Readonly<Record<string, ErrorCode>> = {
  player_teams_team_fkey: 'team_not_found',
  teams_name_unique: 'team_name_taken',
  players_external_id_unique: 'external_id_taken',
};

/**
 * Turns anything thrown while handling a request into the error the client sees. Anything not
 * recognised becomes `internal_error`; the caller logs it, the client never sees its details.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return new AppError('database_unavailable');
  if (error instanceof ForeignKeyIntegrityConstraintViolationError || error instanceof UniqueIntegrityConstraintViolationError) {
    const code = error.constraint === null ? undefined : BY_CONSTRAINT[error.constraint];
    if (code) return new AppError(code);
  }
  const sqlstate = sqlStateOf(error);
  const code = sqlstate === undefined ? undefined : BY_SQLSTATE.get(sqlstate);
  if (code === 'validation_failed') return refusedInput(error);
  if (code === 'import_invalid') return refusedImport(error);
  return code ? new AppError(code) : new AppError('internal_error');
}

/** The database's refusal of a field (INVAL with the field in COLUMN), in the shape of zod's issues. */
function refusedInput(error: unknown): AppError {
  for (let current = error; current instanceof Error; current = current.cause) {
    const column = (current as { column?: unknown }).column;
    if (typeof column === 'string') {
      return new AppError('validation_failed', { details: [{ path: [column], message: current.message }] });
    }
  }
  return new AppError('validation_failed');
}

/** The database's refusal of an import (IMINV), with the rows it names: its DETAIL, a JSON list of {line, column, message}. */
function refusedImport(error: unknown): AppError {
  for (let current = error; current instanceof Error; current = current.cause) {
    const detail = (current as { detail?: unknown }).detail;
    if (typeof detail === 'string') return new AppError('import_invalid', { details: JSON.parse(detail) });
  }
  return new AppError('import_invalid');
}

/** The SQLSTATE of a database error, whether slonik wrapped it or not. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Connection refused or lost, server shutting down, too many connections, no free connection in
 * time, or the database too slow to answer within the statement timeout (57014, a lock wait
 * included; 55P03 and 25P03 likewise): retryable, so 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (
    error instanceof ConnectionError ||
    error instanceof BackendTerminatedError ||
    error instanceof BackendTerminatedUnexpectedlyError
  ) {
    return true;
  }
  const sqlstate = sqlStateOf(error);
  return (
    sqlstate !== undefined &&
    (sqlstate.startsWith('08') || sqlstate.startsWith('57P') || ['53300', '57014', '55P03', '25P03'].includes(sqlstate))
  );
}
