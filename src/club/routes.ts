import { AppError } from '../errors.ts';
import { json } from '../http/answer-content.ts';
import { adminOperation, tenantOf } from '../admin/operation.ts';
import { findClub, updateClub } from './store.ts';
import { type ClubResponse, clubResponse, updateClubBody } from './schemas.ts';

// docs/PRODUCT.md, "The club's settings": the club is always the token's, never one named in the
// request.

export const clubSettings = adminOperation({
  method: 'get',
  path: '/admin/club',
  operationId: 'getClub',
  summary: 'The club’s settings',
  answers: { 200: json(clubResponse, 'The club.') },
  async handle(ctx, { caller: admin }, deps) {
    const found = await findClub(deps.pool, await tenantOf(deps, admin));
    // tenantOf found the club a moment ago; gone since, it is as unknown as a club the token invents.
    if (found === null) throw new AppError('forbidden');
    ctx.body = clubResponse.parse(found) satisfies ClubResponse;
  },
});

export const clubUpdate = adminOperation({
  method: 'patch',
  path: '/admin/club',
  operationId: 'updateClub',
  summary: 'Change the club’s settings',
  body: { schema: updateClubBody },
  answers: { 200: json(clubResponse, 'The club after the change.') },
  notes: { validation_failed: 'also a time zone PostgreSQL does not know by that name; nothing changes' },
  async handle(ctx, { caller: admin, body }, deps) {
    const changed = await updateClub(deps.pool, await tenantOf(deps, admin), body);
    if (changed === null) throw new AppError('forbidden');
    ctx.body = clubResponse.parse(changed) satisfies ClubResponse;
  },
});

/** The club operations, in the order /openapi.json lists them. */
export const CLUB_OPERATIONS = [clubSettings, clubUpdate] as const;
