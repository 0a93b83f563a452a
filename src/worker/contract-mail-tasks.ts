import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskList } from 'graphile-worker';
import type { Logger } from 'pino';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import type { FamilyMailBudget, ReminderConfig } from '../config.ts';
import { isDatabaseUnavailable } from '../errors.ts';
import { type ContractMessage, renderMessage } from '../mail/messages.ts';
import { type Mailer, MailError } from '../mail/mailer.ts';
import type { Metrics } from '../operations/metrics.ts';
import {
  type MessageToSend,
  beginContractMessageWithinBudget,
  finishContractMessage,
  queueDueReminder,
} from '../mail/contract-messages.ts';
import { scheduleExpiry } from './contract-expiry.ts';
import { DEFAULT_LANGUAGE } from '../i18n/catalogs.ts';
import type { Receipts } from '../receipts/receipts.ts';
import { type StoredReceipt, signRowsWithoutReceipt } from '../receipts/store.ts';

export interface ContractMailDependencies {
  readonly pool: DatabasePool;
  readonly mailer: Mailer;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly contractBaseUrl: string;
  readonly currency: string;
  readonly reminders: ReminderConfig;
  readonly familyMail: FamilyMailBudget;
  readonly offerValidDays: number;
  /** The signed contracts' receipt PDFs, attached to the completion's confirmations. */
  readonly receipts: Receipts;
  /** Aborted when the worker stops: a task waiting for the database gives up then. */
  readonly stopping: AbortSignal;
}

const sendPayload = z.object({ tenant_id: z.number().int(), message_id: z.number().int() });
const reminderPayload = z.object({
  tenant_id: z.number().int(),
  player_id: z.number().int(),
  contract_token_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  offered_at: z.string().datetime(),
  number: z.number().int().min(1),
});

const backfillPayload = z.object({ after_tenant_id: z.number().int(), after_audit_id: z.string().regex(/^\d+$/) });

/** Receipts one backfill job makes before it queues the next: a few seconds of work. */
const BACKFILL_BATCH = 20;

const DAY_MS = 24 * 3600 * 1000;

/** At most this many attempts to send one message; graphile-worker's jobs for mail had the same. */
export const MESSAGE_MAX_ATTEMPTS = 8;

/** One attempt at one message: which attempt it is, and since when the message waits. */
export interface MessageAttempt {
  readonly tenantId: number;
  readonly messageId: number;
  /** This attempt's number (the first is 1), as the queue counts it; the last is `maxAttempts`. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the message was queued (the transition's commit), for mail_delivery_seconds. */
  readonly queuedAt: Date;
}

/** Done (sent, failed for good, skipped or held back, and recorded), or queued again for a later attempt. */
export type AttemptOutcome = 'done' | 'retry';

/** Adds a graphile-worker job through its public add_job, from the worker's side (never a transition's). */
export type AddJob = (
  task: string,
  payload: Record<string, unknown>,
  options: { readonly jobKey?: string; readonly runAt?: Date },
) => Promise<void>;

/** graphile_worker.add_job on the pool: the reminders' and deadlines' jobs that sending an offer schedules. */
export function addJobOn(pool: DatabasePool): AddJob {
  return async (task, payload, { jobKey, runAt }) => {
    await pool.query(sql.unsafe`
      SELECT graphile_worker.add_job(
        ${task}, ${JSON.stringify(payload)}::json,
        job_key => ${jobKey ?? null}::text,
        run_at => ${runAt === undefined ? null : runAt.toISOString()}::timestamptz
      )
    `);
  };
}

/**
 * Sends one queued message, once: the database says what to send (or that it was replaced and is
 * skipped), the mailer sends it, and the outcome is recorded. An offer or reminder over the family's
 * e-mail budget waits until the budget allows it (sql/hold_contract_message). A temporary failure is
 * recorded with its error and the message queued again ('retry': sql/finish_contract_message
 * schedules an outbox message's next attempt); a permanent one, or the last attempt, fails the
 * message with its reason. Sending an offer schedules its deadline (contract-expiry.ts) and its
 * first reminder. Both the outbox's dispatcher (mail-dispatcher.ts) and the graphile-worker task
 * `send_contract_message` (messages queued by the previous release) call it.
 */
export function contractMessageSender(deps: ContractMailDependencies): (attempt: MessageAttempt) => Promise<AttemptOutcome> {
  const { pool, mailer, metrics, logger } = deps;
  const messageHost = new URL(deps.contractBaseUrl).hostname || 'club-contracts';
  const addJob = addJobOn(pool);
  const scheduleReminder = reminderScheduler(deps, addJob);

  return async ({ tenantId, messageId, attempt, maxAttempts, queuedAt }) => {
    const lastAttempt = attempt >= maxAttempts;
    const begun = await beginContractMessageWithinBudget(pool, tenantId, messageId, deps.familyMail);
    if (begun === null) return 'done';
    // Held back by the family's budget: due again when the budget allows.
    if ('heldUntil' in begun) return 'done';
    const message = begun.send;
    // An offer's jobs name its player and its link's hash: the deadline now, the reminders once it is sent.
    const offer =
      message.kind === 'offer'
        ? {
            playerId: (await messageSubject(pool, tenantId, messageId))?.player_id ?? 0,
            tokenSha256: createHash('sha256').update(message.contract_token).digest('hex'),
          }
        : null;
    if (offer !== null) {
      await scheduleExpiry(
        addJob,
        { tenantId, playerId: offer.playerId, tokenSha256: offer.tokenSha256, offeredAt: message.contract_offered_at },
        deps.offerValidDays,
      );
    }
    // The completion's confirmation carries the receipt PDF, made and recorded by the first of
    // them to get here (its `receipt` audit row follows the `sign` row within seconds).
    let receipt: StoredReceipt | null = null;
    if (message.kind === 'confirmation' && message.outcome === 'signed') {
      try {
        receipt = await receiptOfMessage(pool, tenantId, messageId, deps.receipts);
      } catch (error) {
        // A receipt that cannot be made (a fault of ours) is tried again with the message; on the
        // last attempt the confirmation leaves without it (the error is logged for the operator).
        logger.error({ err: error, messageId }, 'the receipt PDF could not be made');
        if (!lastAttempt) {
          await recordOutcome(
            () => finishContractMessage(pool, tenantId, messageId, null, 'the receipt PDF could not be made'),
            deps,
          );
          return 'retry';
        }
      }
    }
    const rendered = renderMessage({
      ...contractMessage(message, deps),
      ...(receipt === null ? {} : { receiptAttached: true }),
    });
    try {
      await mailer.send({
        messageId: `<${message.message_id}@${messageHost}>`,
        kind: message.kind,
        to: message.recipient,
        replyTo: message.club_contact_email,
        ...rendered,
        ...(receipt === null
          ? {}
          : {
              attachments: [
                {
                  filename: `contract-receipt-${receipt.sha256.slice(0, 12)}.pdf`,
                  content: receipt.pdf,
                  contentType: 'application/pdf',
                },
              ],
            }),
      });
    } catch (error) {
      // The mailer classes every failure; anything else is a fault of ours, worth another try.
      const failure = error instanceof MailError ? error : { permanent: false, reason: String(error) };
      const final = failure.permanent || lastAttempt;
      // Unrecorded, a final failure would leave the message queued with no attempt left, and a
      // temporary one claimed until its lease runs out: both wait for the database.
      await recordOutcome(() => finishContractMessage(pool, tenantId, messageId, final ? 'failed' : null, failure.reason), deps);
      metrics.countMessage(message.kind, final ? 'failed' : 'retried');
      if (final) {
        logger.warn({ kind: message.kind, messageId, reason: failure.reason }, 'message failed');
        return 'done';
      }
      logger.info(
        { kind: message.kind, messageId, attempt, reason: failure.reason },
        'message not sent; it is tried again later',
      );
      return 'retry';
    }
    // The mail has left: unrecorded, the next attempt would send it again.
    await recordOutcome(() => finishContractMessage(pool, tenantId, messageId, 'sent', null), deps);
    metrics.countMessage(message.kind, 'sent');
    metrics.observeMessageDelivery((Date.now() - queuedAt.getTime()) / 1000);
    if (offer !== null) {
      await scheduleReminder(tenantId, offer.playerId, offer.tokenSha256, new Date(message.contract_offered_at), 1);
    }
    return 'done';
  };
}

/** Reminder `number` of the offer made at `offeredAt`, keyed per player so a new offer replaces it. */
function reminderScheduler(deps: ContractMailDependencies, addJob: AddJob) {
  return async (tenantId: number, playerId: number, tokenSha256: string, offeredAt: Date, number: number) => {
    if (number > deps.reminders.max) return;
    // The key is the database's (sql/contract_reminder_job_key.sql): the transitions remove the job by it.
    const key = await deps.pool.oneFirst(
      sql.type(z.object({ key: z.string() }))`SELECT contract_reminder_job_key(${tenantId}, ${playerId}) AS key`,
    );
    await addJob(
      'queue_contract_reminder',
      {
        tenant_id: tenantId,
        player_id: playerId,
        contract_token_sha256: tokenSha256,
        offered_at: offeredAt.toISOString(),
        number,
      },
      { jobKey: key, runAt: new Date(offeredAt.getTime() + number * deps.reminders.intervalDays * DAY_MS) },
    );
  };
}

/**
 * The job queue's tasks. `send_contract_message` sends a message queued with a job of its own, as
 * the previous release queued them (sql/enqueue_contract_job.sql; the outbox's messages have none):
 * a retry is thrown, so graphile-worker runs the job again after its backoff.
 * `queue_contract_reminder` queues an automatic reminder of an offer still open, and schedules the
 * next one; `make_contract_receipts` makes older contracts' receipts.
 */
export function contractMailTasks(deps: ContractMailDependencies): TaskList {
  const { pool } = deps;
  const send = contractMessageSender(deps);
  const scheduleReminder = reminderScheduler(deps, addJobOn(pool));

  return {
    send_contract_message: async (payload, helpers) => {
      const { tenant_id: tenantId, message_id: messageId } = sendPayload.parse(payload);
      const outcome = await send({
        tenantId,
        messageId,
        attempt: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
        queuedAt: helpers.job.created_at,
      });
      if (outcome === 'retry') throw new Error(`sending message ${messageId} failed for now`);
    },

    // The receipts of contracts completed before receipts existed (docs/RECEIPTS.md): migration 0059
    // queues the first batch; each makes its receipts and queues the next, on one queue at a low
    // priority, so they are made one at a time while e-mail and webhooks go on.
    make_contract_receipts: async (payload, helpers) => {
      const job = backfillPayload.parse(payload);
      const batch = await signRowsWithoutReceipt(
        pool,
        { tenantId: job.after_tenant_id, auditId: BigInt(job.after_audit_id) },
        BACKFILL_BATCH,
      );
      for (const of of batch) await deps.receipts.of(of, { actor: 'system', source: 'receipt_backfill' });
      const last = batch.at(-1);
      if (batch.length < BACKFILL_BATCH || last === undefined) return;
      await helpers.addJob(
        'make_contract_receipts',
        { after_tenant_id: last.tenantId, after_audit_id: last.signAuditId.toString() },
        { queueName: 'receipt-backfill', priority: 100 },
      );
    },

    queue_contract_reminder: async (payload) => {
      const reminder = reminderPayload.parse(payload);
      const queued = await queueDueReminder(
        pool,
        reminder.tenant_id,
        reminder.player_id,
        Buffer.from(reminder.contract_token_sha256, 'hex'),
      );
      if (queued === null) return;
      await scheduleReminder(
        reminder.tenant_id,
        reminder.player_id,
        reminder.contract_token_sha256,
        new Date(reminder.offered_at),
        reminder.number + 1,
      );
    },
  };
}

/** Backoff while the database is away: short at first, since most outages are a restart. */
const RECORD_DELAYS_MS = { first: 250, max: 5_000 } as const;

/**
 * Writes a message's final outcome, trying again for as long as the database is unavailable (and
 * the worker runs): the mail's fate is already decided, and its record is what stops the job's
 * next run from sending it again. Any other error is a fault of ours and is thrown at once.
 */
async function recordOutcome(
  write: () => Promise<void>,
  { stopping, logger }: Pick<ContractMailDependencies, 'stopping' | 'logger'>,
): Promise<void> {
  for (let delay: number = RECORD_DELAYS_MS.first; ; delay = Math.min(delay * 2, RECORD_DELAYS_MS.max)) {
    try {
      await write();
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || stopping.aborted) throw error;
      if (delay === RECORD_DELAYS_MS.first)
        logger.warn({ err: error }, 'the database is unavailable; recording the message once it is back');
      await sleep(delay, undefined, { signal: stopping }).catch(() => {});
    }
  }
}

/** The player a message is about, and for a confirmation the audit row it tells of. */
function messageSubject(
  pool: DatabasePool,
  tenantId: number,
  messageId: number,
): Promise<{ readonly player_id: number; readonly audit_id: bigint | null } | null> {
  return pool.maybeOne(sql.type(z.object({ player_id: z.number(), audit_id: z.bigint().nullable() }))`
    SELECT player_id, audit_id FROM contract_messages WHERE tenant_id = ${tenantId} AND id = ${messageId}
  `);
}

/** The receipt of the contract a completion's confirmation is about: its `sign` audit row's. */
async function receiptOfMessage(
  pool: DatabasePool,
  tenantId: number,
  messageId: number,
  receipts: Receipts,
): Promise<StoredReceipt | null> {
  const row = await messageSubject(pool, tenantId, messageId);
  if (row === null || row.audit_id === null) return null;
  return receipts.of(
    { tenantId, playerId: row.player_id, signAuditId: row.audit_id },
    { actor: 'system', source: 'confirmation_mail' },
  );
}

function contractMessage(message: MessageToSend, deps: ContractMailDependencies): ContractMessage {
  const shared = {
    clubName: message.club_name,
    clubContactEmail: message.club_contact_email,
    timeZone: message.club_time_zone,
    playerName: message.player_name,
    teamNames: message.team_names,
    monthlyFee: message.monthly_fee,
    currency: deps.currency,
    contractUrl: `${deps.contractBaseUrl}/${message.contract_token}`,
    signerName: message.signer_name,
    language: message.language ?? DEFAULT_LANGUAGE,
  };
  switch (message.kind) {
    case 'offer':
      return {
        kind: 'offer',
        ...shared,
        replacesEarlierOffer: message.replaces_earlier_offer,
        voided:
          message.voided_team_names === null || message.voided_monthly_fee === null
            ? null
            : { teamNames: message.voided_team_names, monthlyFee: message.voided_monthly_fee },
      };
    case 'reminder':
      return { kind: 'reminder', ...shared, offeredAt: new Date(message.contract_offered_at) };
    case 'confirmation': {
      const outcome = message.outcome ?? 'signed';
      return {
        kind: 'confirmation',
        ...shared,
        outcome,
        signedBy: message.signed_by,
        declinedBy: message.declined_by,
        awaitedSigners: message.awaited_signers,
        terms:
          message.terms_title === null || message.terms_version === null
            ? null
            : { title: message.terms_title, version: message.terms_version },
        at: new Date(message.answered_at ?? Date.now()),
        contractVersion: message.contract_version,
        receiptUrl: outcome === 'signed' ? `${shared.contractUrl}/receipt` : null,
      };
    }
  }
}
