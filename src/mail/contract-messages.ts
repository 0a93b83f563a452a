import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import type { FamilyMailBudget } from '../config.ts';

export const MESSAGE_KINDS = ['offer', 'reminder', 'confirmation'] as const;
export const MESSAGE_STATUSES = ['queued', 'sent', 'failed', 'skipped'] as const;

/**
 * What a confirmation tells: the contract signed or declined, a signature recorded while the offer
 * waits for other signers (`offered`), or the offer withdrawn or expired.
 */
export const CONFIRMED_OUTCOMES = ['signed', 'declined', 'offered', 'withdrawn', 'expired'] as const;

/** What the worker needs to write one message to one signer (sql/begin_signer_message). */
export const messageToSend = z.object({
  kind: z.enum(MESSAGE_KINDS),
  recipient: z.string(),
  message_id: z.string(),
  club_name: z.string(),
  /** The Reply-To: whom the family asks; null when the club gave none. */
  club_contact_email: z.string().nullable(),
  /** The IANA zone the message's times are shown in. */
  club_time_zone: z.string(),
  player_name: z.string(),
  team_names: z.array(z.string()),
  monthly_fee: z.number().int(),
  contract_token: z.string(),
  contract_offered_at: z.number(),
  replaces_earlier_offer: z.boolean(),
  outcome: z.enum(CONFIRMED_OUTCOMES).nullable(),
  signed_by: z.string().nullable(),
  answered_at: z.number().nullable(),
  contract_version: z.string().nullable(),
  /** The signer the message is for; null for the one signer of an offer made before signers existed. */
  signer_name: z.string().nullable(),
  signer_role: z.enum(['guardian', 'player']).nullable(),
  /** For a signature that waits for others: whom it waits for. */
  awaited_signers: z.array(z.string()),
  terms_title: z.string().nullable(),
  terms_version: z.number().int().nullable(),
  /** For a tier change's offer: the teams and fee of the signed contract it voids; null otherwise. */
  voided_team_names: z.array(z.string()).nullable(),
  voided_monthly_fee: z.number().int().nullable(),
  /** For a decline: the signer who declined, when not the message's own signer. */
  declined_by: z.string().nullable(),
  /** The signer's language, else the club's; null: neither has one (English). */
  language: z.string().nullable(),
});
export type MessageToSend = z.infer<typeof messageToSend>;

/** Counts the attempt and answers what to send, or null when there is nothing to send (done or skipped). */
export async function beginContractMessage(
  db: CommonQueryMethods,
  tenantId: number,
  messageId: number,
): Promise<MessageToSend | null> {
  return db.maybeOne(sql.type(messageToSend)`SELECT * FROM begin_signer_message(${tenantId}, ${messageId})`);
}

/** sql/claim_family_mail: null when the message may leave now (its send is recorded), else when it may. */
export async function claimFamilyMail(
  db: CommonQueryMethods,
  tenantId: number,
  messageId: number,
  budget: FamilyMailBudget,
): Promise<Date | null> {
  const allowedAt = await db.oneFirst(sql.type(z.object({ allowed_at: z.number().nullable() }))`
    SELECT claim_family_mail(${tenantId}, ${messageId}, ${budget.perHour}, make_interval(secs => ${budget.spacingSeconds})) AS allowed_at
  `);
  return allowedAt === null ? null : new Date(allowedAt);
}

/** The worker's first step within the family's e-mail budget: what to send, when to try again, or nothing to send. */
export type BegunMessage = { readonly send: MessageToSend } | { readonly heldUntil: Date } | null;

/**
 * Begins the message and claims its place in the family's budget in one transaction. A message the
 * budget holds back is begun in a savepoint rolled back (its attempt is not counted) and is due again
 * when the budget allows it (sql/hold_contract_message), while the message's row lock, taken first,
 * is still held.
 */
export async function beginContractMessageWithinBudget(
  pool: DatabasePool,
  tenantId: number,
  messageId: number,
  budget: FamilyMailBudget,
): Promise<BegunMessage> {
  return pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`
      SELECT 1 FROM contract_messages WHERE tenant_id = ${tenantId} AND id = ${messageId} FOR UPDATE
    `);
    try {
      return await transaction.transaction(async (attempt): Promise<BegunMessage> => {
        const message = await beginContractMessage(attempt, tenantId, messageId);
        if (message === null) return null;
        const allowedAt = await claimFamilyMail(attempt, tenantId, messageId, budget);
        if (allowedAt !== null) throw new HeldBack(allowedAt);
        return { send: message };
      });
    } catch (error) {
      if (!(error instanceof HeldBack)) throw error;
      await transaction.query(sql.unsafe`
        SELECT hold_contract_message(${tenantId}, ${messageId}, ${sql.timestamp(error.until)})
      `);
      return { heldUntil: error.until };
    }
  });
}

/** Thrown only to roll back the savepoint of a message the budget holds back. */
class HeldBack extends Error {
  constructor(readonly until: Date) {
    super("held back by the family's e-mail budget");
  }
}

/** A message the outbox's worker claimed (sql/claim_contract_messages): attempts made before this one. */
export const claimedMessage = z.object({
  tenant_id: z.number().int(),
  id: z.bigint().transform(Number),
  attempts: z.number().int(),
  created_at: z.number(),
});

/** Claims up to `limit` due messages of the outbox for `leaseMs` (sql/claim_contract_messages). */
export async function claimContractMessages(
  db: CommonQueryMethods,
  limit: number,
  leaseMs: number,
): Promise<ReadonlyArray<z.infer<typeof claimedMessage>>> {
  return db.any(sql.type(claimedMessage)`
    SELECT * FROM claim_contract_messages(${limit}, make_interval(secs => ${leaseMs / 1000}))
  `);
}

/**
 * Lets go of every claim (a worker that knows it is the only one, at its start): the messages a
 * previous run held when it died are due now instead of when their lease runs out. Answers how many.
 */
export async function releaseContractMessageClaims(db: CommonQueryMethods): Promise<number> {
  const released = await db.query(sql.unsafe`
    UPDATE contract_messages SET due_at = now(), claimed_at = NULL
    WHERE status = 'queued' AND due_at IS NOT NULL AND claimed_at IS NOT NULL
  `);
  return released.rowCount;
}

/** Makes sure attempt `attempt` of a queued message is counted (begin_signer_message counts the ones that got that far). */
export async function countAttempt(db: CommonQueryMethods, tenantId: number, messageId: number, attempt: number): Promise<void> {
  await db.query(sql.unsafe`
    UPDATE contract_messages SET attempts = greatest(attempts, ${attempt})
    WHERE tenant_id = ${tenantId} AND id = ${messageId} AND status = 'queued' AND attempts < ${attempt}
  `);
}

/** `sent`, `failed` with the reason, or null: queued again for the next attempt, with the error of this one. */
export async function finishContractMessage(
  db: CommonQueryMethods,
  tenantId: number,
  messageId: number,
  status: 'sent' | 'failed' | null,
  error: string | null,
): Promise<void> {
  await db.query(sql.unsafe`SELECT finish_contract_message(${tenantId}, ${messageId}, ${status}, ${error})`);
}

/** An automatic reminder fell due: queued only while the player still has that offer; its id or null. */
export async function queueDueReminder(
  db: CommonQueryMethods,
  tenantId: number,
  playerId: number,
  contractTokenSha256: Buffer,
): Promise<number | null> {
  const id = await db.oneFirst(sql.type(z.object({ id: z.bigint().nullable() }))`
    SELECT queue_due_reminder(${tenantId}, ${playerId}, ${sql.binary(contractTokenSha256)}) AS id
  `);
  return id === null ? null : Number(id);
}

export const REMINDER_SKIP_REASONS = ['not_offered', 'reminded_recently', 'player_not_found'] as const;
export const reminded = z.object({ player_id: z.number().int(), skipped_because: z.enum(REMINDER_SKIP_REASONS).nullable() });

/** sql/remind_families: a reminder for each player (every offered one when `playerIds` is null), or why not. */
export async function remindFamilies(
  db: CommonQueryMethods,
  tenantId: number,
  playerIds: readonly number[] | null,
  dryRun: boolean,
): Promise<ReadonlyArray<z.infer<typeof reminded>>> {
  return db.any(sql.type(reminded)`
    SELECT * FROM remind_families(${tenantId}, ${playerIds === null ? null : sql.array(playerIds, 'int4')}, ${dryRun})
  `);
}

/** A message as the admin's contract view lists it. */
export const listedMessage = z.object({
  id: z.number().int(),
  kind: z.enum(MESSAGE_KINDS),
  to: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  created_at: z.number(),
  sent_at: z.number().nullable(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  /** The signer it was written for; null for a message to the player's e-mail before signers existed. */
  signer: z.object({ name: z.string(), role: z.enum(['guardian', 'player']) }).nullable(),
});

/** The player's messages, newest first. */
export async function listContractMessages(
  db: CommonQueryMethods,
  tenantId: number,
  playerId: number,
): Promise<ReadonlyArray<z.infer<typeof listedMessage>>> {
  return db.any(sql.type(listedMessage)`
    SELECT
      id::integer AS id, kind, recipient AS "to", status, created_at, sent_at, attempts, last_error AS error,
      CASE WHEN signer_name IS NOT NULL THEN json_build_object('name', signer_name, 'role', signer_role) END AS signer
    FROM contract_messages
    WHERE tenant_id = ${tenantId} AND player_id = ${playerId}
    ORDER BY id DESC
  `);
}
