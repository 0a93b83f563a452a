import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from './openapi-zod.ts';
import * as responses from './responses.ts';
import * as schemas from './schemas.ts';
import { MAX_TERMS_ELEMENTS, MAX_TERMS_NESTING } from './terms-html.ts';

// GET /openapi.json, generated from the zod schemas that validate requests and type responses.

type Responses = RouteConfig['responses'];
/**
 * An operation as admin() and open() take it: `operationId` is required, since generated clients
 * name their methods after it (`@redocly/cli lint` checks it is there and unique: test/openapi-lint.test.ts).
 */
type Operation = Omit<RouteConfig, 'security' | 'tags' | 'operationId'> & { operationId: string };

/** A request body is required unless the route says otherwise (OpenAPI's default is optional). */
function withRequiredBody(route: Operation): Operation {
  const body = route.request?.body;
  return body === undefined ? route : { ...route, request: { ...route.request, body: { required: true, ...body } } };
}

const json = (schema: z.ZodTypeAny, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const failure = (description: string) => json(responses.errorBody, description);
const text = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });

/**
 * Every route but /healthz and /readyz answers this while the instance's database lacks a migration
 * its code needs (src/schema-gate.ts); a route's own 503 names it among its codes.
 */
const MIGRATIONS_PENDING =
  '`migrations_pending`: this instance’s database has not run every migration its code needs yet, as during a ' +
  'deployment; /readyz lists them. Retry shortly, or on another instance.';
const GATED: Responses = { 503: failure(MIGRATIONS_PENDING) };

/** What can go wrong on any admin route, before the route's own rules. */
const ADMIN_FAILURES: Responses = {
  401: failure('`unauthenticated`: no bearer token, or one that fails verification.'),
  403: failure('`forbidden`: no admin role, no tenant claim, or an unknown club.'),
  422: failure('`validation_failed`, with zod’s issues in `details`.'),
  503: failure(`\`database_unavailable\` or \`identity_provider_unavailable\`. ${MIGRATIONS_PENDING}`),
};
const BODY_FAILURES: Responses = {
  400: failure('`malformed_json`.'),
  413: failure('`payload_too_large`.'),
  415: failure('`unsupported_media_type`: the body is not JSON.'),
};
/** What an Idempotency-Key adds to an admin write. */
const idempotent = {
  headers: schemas.idempotencyKeyHeader,
};
const IDEMPOTENCY_FAILURES = {
  409: '`idempotency_in_progress`: a request with the same Idempotency-Key is still running',
  422: '`idempotency_key_reused`: the Idempotency-Key was used for a different request',
};

/**
 * What any route can answer, before the route is known: Node's HTTP parser refuses the request
 * (src/http/client-errors.ts).
 */
const HTTP_FAILURES: Responses = {
  400: failure('`malformed_request`: the request is not valid HTTP.'),
  431: failure('`headers_too_large`: the request headers are over 16 KB.'),
};

/** A route that takes no query parameters refuses any (schemas.ts noQuery). */
const QUERY_FAILURES: Responses = {
  422: failure('`validation_failed`: the route takes no query parameters; the message names the ones sent.'),
};

const LINK_FAILURES: Responses = {
  ...GATED,
  404: failure('`contract_not_found`: no contract has this link.'),
  410: failure('`contract_superseded`: a newer offer replaced this link; use the newest e-mail.'),
  429: failure(
    '`too_many_requests`: the link opens no contract and this client has tried too many such links (404 or 410) lately; retry after `Retry-After` seconds. A live link is never refused.',
  ),
};

/** Where the rules of the operations that make a transition are written down. */
const MACHINE = 'the contract state machine (docs/PRODUCT.md, "The state machine"; drawn at /contract-machine)';

const token = z.object({
  token: z.string().describe('The family’s contract token (43 characters).'),
});

export function openApiDocument(): object {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OIDC access token with the admin role and the club’s slug in the tenant claim.',
  });
  const admin = (route: Operation) =>
    registry.registerPath({ ...withRequiredBody(route), tags: ['admin'], security: [{ [bearer.name]: [] }] });
  // `security: []`: no token, said outright (without it a client would assume one is needed).
  const open = (tag: string, route: Operation) =>
    registry.registerPath({ ...withRequiredBody(route), tags: [tag], security: [] });

  admin({
    method: 'post',
    path: '/admin/contract/offer',
    operationId: 'offerContract',
    summary: 'Offer a player a contract',
    description: `The OFFER event of ${MACHINE}.`,
    request: {
      ...idempotent,
      query: schemas.offerQuery,
      body: { content: { 'application/json': { schema: schemas.offerBody } } },
    },
    responses: {
      200: json(responses.offerResponse, 'The new offer. Nothing is written unless the answer is 200.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      404: failure('`player_not_found` (also for another club’s player).'),
      503: failure(
        '`database_unavailable`, `identity_provider_unavailable`, or `rules_out_of_sync` (the service and its database ' +
          `run different versions of the contract rules, as during a deployment). ${MIGRATIONS_PENDING}`,
      ),
      409: failure(`\`offer_exists\`: an open offer exists; send force=true to replace it. ${IDEMPOTENCY_FAILURES[409]}.`),
      422: failure(`\`validation_failed\`, \`team_change_required\` or \`team_not_found\`. ${IDEMPOTENCY_FAILURES[422]}.`),
    },
  });
  admin({
    method: 'post',
    path: '/admin/contract/withdraw',
    operationId: 'withdrawContract',
    summary: 'Withdraw a player’s open offer',
    description: `The WITHDRAW event of ${MACHINE}: the family’s link then answers 410 \`contract_withdrawn\`, and the offer’s unsent e-mail and reminders are cancelled.`,
    request: { ...idempotent, body: { content: { 'application/json': { schema: schemas.withdrawBody } } } },
    responses: {
      200: json(responses.withdrawalResponse, 'The offer is withdrawn. Nothing is written unless the answer is 200.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      404: failure('`player_not_found` (also for another club’s player).'),
      409: failure(`\`no_open_offer\`: the player has no open offer to withdraw. ${IDEMPOTENCY_FAILURES[409]}.`),
      422: failure(`\`validation_failed\`. ${IDEMPOTENCY_FAILURES[422]}.`),
    },
  });
  admin({
    method: 'get',
    path: '/admin/contracts',
    operationId: 'listContracts',
    summary: 'The club’s players in one contract state, by keyset pages',
    request: { query: schemas.listContractsQuery },
    responses: { 200: json(responses.contractList, 'One page.'), ...ADMIN_FAILURES },
  });
  admin({
    method: 'get',
    path: '/admin/contracts.csv',
    operationId: 'exportContractsCsv',
    summary: 'Every one of the club’s players in one contract state, as a CSV file',
    description:
      'The rows of `GET /admin/contracts` for the same `status`, all of them, with a header row: ' +
      '`player_id,name,email,status,monthly_fee,team_ids,contract_url,contract_offered_at` (`team_ids` joined with ' +
      "spaces). A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so that a " +
      'spreadsheet does not run it as a formula. Streamed: a failure after the answer started cuts it off.',
    request: { query: schemas.exportContractsQuery },
    responses: {
      200: {
        description: 'The CSV file (`Content-Disposition: attachment; filename="contracts-<status>.csv"`).',
        headers: {
          'Content-Disposition': {
            description: 'attachment; filename="contracts-<status>.csv"',
            schema: { type: 'string' },
          },
        },
        content: { 'text/csv': { schema: z.string() } },
      },
      ...ADMIN_FAILURES,
    },
  });
  admin({
    method: 'get',
    path: '/admin/contract/stats',
    operationId: 'getContractStats',
    summary: 'Players per state now, and audit events in a window (default: the last 30 days)',
    request: { query: schemas.statsQuery },
    responses: { 200: json(responses.contractStats, 'The counts.'), ...ADMIN_FAILURES },
  });
  admin({
    method: 'post',
    path: '/admin/teams',
    operationId: 'createTeam',
    summary: 'Add a team',
    request: { ...idempotent, body: { content: { 'application/json': { schema: schemas.createTeamBody } } } },
    responses: {
      201: json(responses.teamResponse, 'The team.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      409: failure(`\`team_name_taken\`. ${IDEMPOTENCY_FAILURES[409]}.`),
      422: failure(`\`validation_failed\`. ${IDEMPOTENCY_FAILURES[422]}.`),
    },
  });
  admin({
    method: 'get',
    path: '/admin/teams',
    operationId: 'listTeams',
    summary: 'The club’s teams',
    responses: { 200: json(responses.teamList, 'All teams.'), ...ADMIN_FAILURES },
  });
  admin({
    method: 'post',
    path: '/admin/players',
    operationId: 'createPlayer',
    summary: 'Add a player',
    request: { ...idempotent, body: { content: { 'application/json': { schema: schemas.createPlayerBody } } } },
    responses: {
      201: json(responses.player, 'The player.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      409: failure(`${IDEMPOTENCY_FAILURES[409]}.`),
      422: failure(`\`validation_failed\` or \`team_not_found\`. ${IDEMPOTENCY_FAILURES[422]}.`),
    },
  });
  admin({
    method: 'get',
    path: '/admin/players/{id}',
    operationId: 'getPlayer',
    summary: 'A player',
    request: { params: schemas.playerPath },
    responses: { 200: json(responses.player, 'The player.'), ...ADMIN_FAILURES, 404: failure('`player_not_found`.') },
  });
  admin({
    method: 'get',
    path: '/admin/players/{id}/contract',
    operationId: 'getPlayerContract',
    summary: 'A player’s contract, its audit history and the e-mails sent about it, newest first',
    request: { params: schemas.playerPath },
    responses: {
      200: json(responses.contractHistory, 'The contract.'),
      ...ADMIN_FAILURES,
      404: failure('`player_not_found`.'),
    },
  });
  admin({
    method: 'post',
    path: '/admin/contract-terms',
    operationId: 'publishContractTerms',
    summary: 'Publish the club’s next version of its contract terms (immutable; new offers pin the newest)',
    description:
      `The body may make at most ${MAX_TERMS_ELEMENTS.toLocaleString('en')} HTML elements (paragraphs, list items, table ` +
      `cells, emphasis, links…) and nest quotes and lists at most ${MAX_TERMS_NESTING} deep, both counted from the ` +
      'Markdown: more is refused with 422 `validation_failed`, and the message gives the count.',
    request: { body: { content: { 'application/json': { schema: schemas.createContractTermsBody } } } },
    responses: {
      201: json(responses.contractTerms, 'The new version.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      413: failure('`payload_too_large`: the body is over 1 MB.'),
    },
  });
  admin({
    method: 'get',
    path: '/admin/contract-terms',
    operationId: 'listContractTerms',
    summary: 'The club’s versions of its contract terms, newest first',
    responses: { 200: json(responses.contractTermsList, 'The versions.'), ...ADMIN_FAILURES },
  });
  admin({
    method: 'post',
    path: '/admin/contracts/remind',
    operationId: 'remindFamilies',
    summary: 'E-mail each family named (or every family with an open offer) a reminder with its link',
    description:
      'A player is skipped when not the club’s (`player_not_found`), without an open offer (`not_offered`), or sent ' +
      'a message within the last hour (`reminded_recently`).',
    request: { body: { content: { 'application/json': { schema: schemas.remindBody } } } },
    responses: {
      200: json(responses.reminders, 'What was queued and what was skipped, in the order asked.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
    },
  });

  admin({
    method: 'get',
    path: '/admin/players',
    operationId: 'listPlayers',
    summary: 'The club’s players, filtered by team, contract state or text, by keyset pages',
    request: { query: schemas.listPlayersQuery },
    responses: {
      200: json(responses.playerList, 'One page.'),
      ...ADMIN_FAILURES,
      422: failure('`validation_failed` (a cursor this service did not hand out included), with zod’s issues in `details`.'),
    },
  });
  admin({
    method: 'patch',
    path: '/admin/players/{id}',
    operationId: 'updatePlayer',
    summary: 'Change a player’s name, e-mail or teams',
    description:
      'Give at least one field. A new e-mail sends nothing by itself: the next reminder goes to it. A signed player’s ' +
      'teams change only by a tier-change offer (POST /admin/contract/offer with `target_team_id`).',
    request: { params: schemas.playerPath, body: { content: { 'application/json': { schema: schemas.updatePlayerBody } } } },
    responses: {
      200: json(responses.player, 'The player after the change. Nothing changes unless the answer is 200.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      404: failure('`player_not_found` (also for another club’s player).'),
      409: failure('`team_change_needs_offer`: the player has a signed contract and `team_ids` changes their teams.'),
      422: failure('`validation_failed`, or `team_not_found`: a team in `team_ids` is not the club’s.'),
    },
  });
  admin({
    method: 'patch',
    path: '/admin/teams/{id}',
    operationId: 'updateTeam',
    summary: 'Rename a team',
    request: { params: schemas.teamPath, body: { content: { 'application/json': { schema: schemas.updateTeamBody } } } },
    responses: {
      200: json(responses.teamResponse, 'The team after the change.'),
      ...ADMIN_FAILURES,
      ...BODY_FAILURES,
      404: failure('`unknown_team`: the club has no team with this id.'),
      409: failure('`team_name_taken`: another of the club’s teams has this name.'),
    },
  });

  open('family', {
    method: 'get',
    path: '/contract/{token}',
    operationId: 'getFamilyContract',
    summary: 'The offer behind a family’s link: JSON, or the family page for browsers (Accept: text/html)',
    description:
      'The page shows the club’s pinned terms (Markdown rendered to sanitised HTML) above the signature. A replaced ' +
      'link’s page (410) names the club to ask and, when a tier change replaced a signed contract, shows what was signed.',
    request: { params: token },
    responses: {
      200: {
        description: 'The contract.',
        content: {
          'application/json': { schema: responses.familyContract },
          'text/html': { schema: z.string() },
        },
      },
      ...LINK_FAILURES,
      422: failure('`validation_failed`, JSON only: a query parameter (the page ignores those it does not read).'),
    },
  });
  open('family', {
    method: 'get',
    path: '/contract/{token}/receipt',
    operationId: 'getContractReceipt',
    summary: 'The printable receipt of a signed contract (an HTML page; there is no JSON of it)',
    description:
      'Who signed, when, from which address, the fee, the teams, and the terms’ title, version and SHA-256. It keeps ' +
      'working after a tier change replaced the signed contract, read from that change’s audit row. Errors are pages ' +
      'when Accept prefers HTML.',
    request: { params: token },
    responses: {
      200: text('text/html', 'The receipt.'),
      ...LINK_FAILURES,
      404: failure('`contract_not_found`: no contract has this link; `contract_not_signed`: its contract is not signed.'),
      410: failure('`contract_superseded`: a newer offer replaced this link before anything was signed through it.'),
    },
  });
  const forms = { sign: schemas.signForm, decline: schemas.declineForm };
  for (const [action, body, summary] of [
    ['sign', schemas.signBody, 'Sign: records signed at, by, IP and contract version'],
    ['decline', z.object({}).strict(), 'Decline'],
  ] as const) {
    open('family', {
      method: 'post',
      path: `/contract/{token}/${action}`,
      operationId: `${action}Contract`,
      summary,
      description:
        `The ${action.toUpperCase()} event of ${MACHINE}. ` +
        'The family page posts its form instead and is redirected back (303) to the page, which shows the outcome ' +
        '(a blank name or an unticked box included). Its errors are pages when Accept prefers HTML.',
      request: {
        params: token,
        body: {
          required: action === 'sign',
          content: {
            'application/json': { schema: body },
            'application/x-www-form-urlencoded': { schema: forms[action] },
          },
        },
      },
      responses: {
        200: json(responses.familyContract, 'The contract after the change.'),
        303: { description: 'Form posts: back to the family page.' },
        ...BODY_FAILURES,
        403: failure(
          '`cross_site_post`: sent by another site’s page, as JSON or as a form (`Sec-Fetch-Site` other than `same-origin` or `none`, or else an `Origin` not the service’s own). Programs, which send neither header, are not refused.',
        ),
        ...LINK_FAILURES,
        409: failure('`contract_already_signed` or `contract_already_declined`.'),
        422: failure('`validation_failed`.'),
      },
    });
  }

  open('operations', {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process is up',
    responses: { 200: json(responses.health, 'Up.'), ...HTTP_FAILURES, ...QUERY_FAILURES },
  });
  open('operations', {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Ready: database reachable, migrations current, not shutting down',
    responses: {
      200: json(responses.readiness, 'Ready.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      503: json(responses.readiness, 'Not ready.'),
    },
  });
  open('operations', {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    responses: { 200: text('text/plain', 'Prometheus text exposition format.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    responses: { 200: json(z.object({}).passthrough(), 'OpenAPI 3.1.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/docs',
    operationId: 'getApiDocs',
    summary: 'This document, rendered',
    responses: { 200: text('text/html', 'Swagger UI.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The local key pair’s public keys (local identity mode only)',
    responses: {
      200: json(z.object({ keys: z.array(z.object({}).passthrough()).describe('The public keys, as JWKs.') }), 'A JWKS.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      ...GATED,
    },
  });
  open('operations', {
    method: 'get',
    path: '/assets/{file}',
    operationId: 'getAsset',
    summary: 'Stylesheets and scripts of the service’s own pages',
    request: { params: z.object({ file: z.string().describe('The file’s name.') }) },
    responses: { 200: text('text/plain', 'The file.'), 404: failure('`not_found`.'), ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/favicon.ico',
    operationId: 'getFavicon',
    summary: 'The service’s icon (SVG), where browsers look for it on pages that name none',
    responses: { 200: text('image/svg+xml', 'The icon.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine',
    operationId: 'getContractMachinePage',
    summary: 'The state chart page; with an admin token it shows the club’s counts',
    responses: { 200: text('text/html', 'The page.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine.svg',
    operationId: 'getContractMachineSvg',
    summary: 'The state chart, drawn from the machine',
    responses: { 200: text('image/svg+xml', 'SVG.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine.json',
    operationId: 'getContractMachineJson',
    summary: 'The machine definition, for the Stately visualizer',
    responses: {
      200: json(z.object({}).passthrough(), 'The xstate machine config.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      ...GATED,
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'club-contracts',
      version: '1',
      description:
        'Monthly contracts for youth basketball clubs. Every error answers `{"error": {"code", "message", "details"?}}`.',
      // package.json is private with no license field: the service is not published under one.
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
    },
    // The service does not know the address it is reached at (a proxy may stand in front): paths
    // are relative to where this document is served, whose own path is /openapi.json.
    servers: [{ url: '/', description: 'This service, wherever this document was fetched from.' }],
  });
}
