import type { ErrorCode } from '../errors.ts';
import { operationGroup } from './operation.ts';

/**
 * What a request to a route that needs no token may be answered with: Node's HTTP parser refuses
 * it before any route is known (client-errors.ts), or it sends a query parameter, which none of
 * them takes.
 */
export const PROBE_ERRORS: readonly ErrorCode[] = ['malformed_request', 'headers_too_large', 'validation_failed'];
/** Every route but the probes also waits for the database's migrations (src/operations/schema-gate.ts). */
export const GATED_ERRORS: readonly ErrorCode[] = [...PROBE_ERRORS, 'migrations_pending'];

/** The declaring function of a group of routes that need no token: `security: []` says so outright. */
export const openOperationGroup = <Deps>(tag: string) =>
  operationGroup<Deps, void>({
    tag,
    security: [],
    guard: () => {},
    errors: [],
    notes: {
      malformed_request: 'the request is not valid HTTP',
      headers_too_large: 'the request headers are over 16 KB',
      validation_failed: 'the route takes no query parameters; the message names the ones sent',
    },
  });
