import { createHash, randomBytes } from 'node:crypto';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import type { ContractStatus } from '../../machines/contract.ts';
import { expireContract, offerContract, withdrawContract } from '../../src/contracts/store.ts';
import { declineContract, signContract } from '../../src/family/store.ts';

// Rows written straight into the database (contracts through the contract functions, as the
// database demands), so that each test's setup is visible and does not depend on the endpoints
// under test.

export interface Club {
  readonly id: number;
  readonly slug: string;
}

export async function createClub(db: CommonQueryMethods, name = 'Westside Hoops'): Promise<Club> {
  const slug = `club-${randomBytes(5).toString('hex')}`;
  return db.one(sql.type(z.object({ id: z.number(), slug: z.string() }))`
    INSERT INTO tenants (slug, name) VALUES (${slug}, ${name}) RETURNING id, slug
  `);
}

export async function createTeam(db: CommonQueryMethods, club: Club, name = `Team ${randomBytes(3).toString('hex')}`): Promise<number> {
  return db.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO teams (tenant_id, name) VALUES (${club.id}, ${name}) RETURNING id
  `);
}

export async function createPlayer(
  db: CommonQueryMethods,
  club: Club,
  options: { teamIds?: readonly number[]; name?: string; email?: string; externalId?: string } = {},
): Promise<number> {
  const id = await db.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO players (tenant_id, name, email)
    VALUES (${club.id}, ${options.name ?? 'Jacelyn Park'}, ${options.email ?? 'family@example.test'})
    RETURNING id
  `);
  // Set apart, so that a database migrated before external_id (test/audit-verify.test.ts) takes the rest.
  if (options.externalId !== undefined) {
    await db.query(sql.unsafe`UPDATE players SET external_id = ${options.externalId} WHERE tenant_id = ${club.id} AND id = ${id}`);
  }
  for (const teamId of options.teamIds ?? []) {
    await db.query(sql.unsafe`INSERT INTO player_teams (tenant_id, player_id, team_id) VALUES (${club.id}, ${id}, ${teamId})`);
  }
  return id;
}

/** Lists the player's guardians, in order (docs/PRODUCT.md, "People"). */
export async function addGuardians(
  db: CommonQueryMethods,
  club: Club,
  playerId: number,
  guardians: ReadonlyArray<{ readonly name: string; readonly email: string }>,
): Promise<void> {
  for (const [index, guardian] of guardians.entries()) {
    await db.query(sql.unsafe`
      INSERT INTO guardians (tenant_id, player_id, position, name, email)
      VALUES (${club.id}, ${playerId}, ${index + 1}, ${guardian.name}, ${guardian.email})
    `);
  }
}

/** The club's signing policy (docs/PRODUCT.md, "The club's settings"). */
export async function setSigningPolicy(db: CommonQueryMethods, club: Club, policy: 'one_guardian' | 'all_guardians'): Promise<void> {
  await db.query(sql.unsafe`UPDATE tenants SET signing_policy = ${policy} WHERE id = ${club.id}`);
}

/** The signers an offer fixed, in order, with their links (sql/contract_signers_of). */
export async function readSigners(db: CommonQueryMethods, club: Club, playerId: number) {
  return db.any(sql.type(
    z.object({
      id: z.number(),
      position: z.number(),
      role: z.string(),
      name: z.string(),
      email: z.string(),
      token: z.string(),
      completes: z.boolean(),
      status: z.string(),
      signed_by: z.string().nullable(),
    }),
  )`
    SELECT id, position, role, name, email, token, completes, status, signed_by
    FROM contract_signers WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY position
  `);
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Puts a player's contract in `status` the way the service does — offer_contract, then
 * sign_contract, decline_contract, withdraw_contract or expire_contract — because the database refuses contract columns written by
 * hand. So a signed or declined contract already has its `sign` or `decline` audit row.
 */
export async function putContractInState(
  db: CommonQueryMethods,
  club: Club,
  playerId: number,
  status: Exclude<ContractStatus, 'none'>,
): Promise<string> {
  const offer = { tenantId: club.id, playerId, monthlyFee: 150, targetTeamId: null, force: false };
  const { contract_token: token } = await offerContract(db, { ...offer, actor: 'registrar@example.test' });
  if (status === 'signed') {
    await signContract(db, {
      token,
      signedBy: 'Dana Park',
      signatureUrl: 'https://sign.example.test/s/1',
      ip: '203.0.113.7',
      contractVersion: 'v1',
    });
  }
  if (status === 'declined') await declineContract(db, token);
  if (status === 'withdrawn')
    await withdrawContract(db, { tenantId: club.id, playerId, reason: 'Set up by a test', actor: 'registrar@example.test' });
  if (status === 'expired') await expireContract(db, club.id, playerId, createHash('sha256').update(token).digest());
  return token;
}

const playerRow = z
  .object({
    contract_status: z.string(),
    contract_token: z.string().nullable(),
    monthly_fee: z.number().nullable(),
    contract_offered_at: z.number().nullable(),
    contract_offered_by: z.string().nullable(),
    contract_signed_at: z.number().nullable(),
    contract_signed_by: z.string().nullable(),
    contract_signed_ip: z.string().nullable(),
    contract_signature_url: z.string().nullable(),
    contract_version: z.string().nullable(),
    contract_declined_at: z.number().nullable(),
    team_ids: z.array(z.number()),
  })
  .strict();
export type PlayerRow = z.infer<typeof playerRow>;

/** The player's contract columns and teams, as stored. */
export async function readPlayer(db: CommonQueryMethods, club: Club, playerId: number): Promise<PlayerRow> {
  return db.one(sql.type(playerRow)`
    SELECT contract_status, contract_token, monthly_fee, contract_offered_at, contract_offered_by,
           contract_signed_at, contract_signed_by, host(contract_signed_ip) AS contract_signed_ip,
           contract_signature_url, contract_version, contract_declined_at,
           ARRAY(SELECT team_id FROM player_teams WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY team_id) AS team_ids
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
}

const auditRow = z.object({
  id: z.bigint().transform(Number),
  event_type: z.string(),
  old_state: z.record(z.unknown()),
  new_state: z.record(z.unknown()),
  actor: z.string(),
  source: z.string(),
});
export type AuditRow = z.infer<typeof auditRow>;

export async function readAuditLog(db: CommonQueryMethods, club: Club, playerId: number): Promise<readonly AuditRow[]> {
  return db.any(sql.type(auditRow)`
    SELECT id, event_type, old_state, new_state, actor, source
    FROM contract_audit_log WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY id
  `);
}

const messageRow = z.object({
  id: z.number(),
  kind: z.string(),
  recipient: z.string(),
  status: z.string(),
  attempts: z.number(),
  last_error: z.string().nullable(),
  sent: z.boolean(),
});
export type MessageRow = z.infer<typeof messageRow>;

/** The player's e-mails (contract_messages), oldest first. */
export async function readMessages(db: CommonQueryMethods, club: Club, playerId: number): Promise<readonly MessageRow[]> {
  return db.any(sql.type(messageRow)`
    SELECT id::integer AS id, kind, recipient, status, attempts, last_error, sent_at IS NOT NULL AS sent
    FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY id
  `);
}

/** The queue's jobs for one club's player: the send jobs of their messages and their reminder job. */
export async function readJobs(
  db: CommonQueryMethods,
  club: Club,
  playerId: number,
): Promise<ReadonlyArray<{ readonly task: string; readonly key: string | null; readonly message_id: number | null }>> {
  return db.any(sql.type(z.object({ task: z.string(), key: z.string().nullable(), message_id: z.number().nullable() }))`
    SELECT tasks.identifier AS task, jobs.key, (jobs.payload->>'message_id')::integer AS message_id
    FROM graphile_worker._private_jobs AS jobs
    JOIN graphile_worker._private_tasks AS tasks ON tasks.id = jobs.task_id
    WHERE (jobs.payload->>'tenant_id')::integer = ${club.id}
      AND (
        (jobs.payload->>'player_id')::integer = ${playerId}
        OR (jobs.payload->>'message_id')::bigint IN (SELECT id FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId})
      )
    ORDER BY jobs.id
  `);
}

const outboxRow = z.object({
  id: z.number(),
  status: z.string(),
  attempts: z.number(),
  /** An outbox message (a due_at), which the worker takes itself; false: one with a job of its own. */
  outbox: z.boolean(),
  /** Due now: the worker's next poll takes it. */
  due: z.boolean(),
  claimed: z.boolean(),
  /** Seconds from now until it is due (negative: overdue); null for a message with a job. */
  due_in_s: z.number().nullable(),
});
export type OutboxRow = z.infer<typeof outboxRow>;

/** The player's e-mails as the outbox's worker sees them (docs/DESIGN.md, "E-mail queue"), oldest first. */
export async function readOutbox(db: CommonQueryMethods, club: Club, playerId: number): Promise<readonly OutboxRow[]> {
  return db.any(sql.type(outboxRow)`
    SELECT id::integer AS id, status, attempts, due_at IS NOT NULL AS outbox, coalesce(due_at <= now(), false) AS due,
      claimed_at IS NOT NULL AS claimed, extract(epoch FROM due_at - now())::float8 AS due_in_s
    FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY id
  `);
}
