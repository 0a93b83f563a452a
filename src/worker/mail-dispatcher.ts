import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { isDatabaseUnavailable } from '../errors.ts';
import {
  claimContractMessages,
  countAttempt,
  finishContractMessage,
  releaseContractMessageClaims,
} from '../mail/contract-messages.ts';
import { type AttemptOutcome, MESSAGE_MAX_ATTEMPTS, type MessageAttempt } from './contract-mail-tasks.ts';

export interface MailDispatcherOptions {
  readonly pool: DatabasePool;
  /** Sends one message (contract-mail-tasks.ts): its outcome is recorded by the time it settles. */
  readonly send: (attempt: MessageAttempt) => Promise<AttemptOutcome>;
  readonly logger: Logger;
  /** Messages sent at once; a round takes at most the free slots. */
  readonly concurrency: number;
  /** How long an idle dispatcher waits between polls: nothing wakes it sooner (messages are queued without a NOTIFY). */
  readonly pollIntervalMs: number;
  /** How long a claim holds a message: then it is due again, for any worker (its own died, or hangs). */
  readonly leaseMs: number;
  /** No other worker can be on this database: claims left by a previous run are let go at the start. */
  readonly soleWorker?: boolean;
}

export interface MailDispatcher {
  /** Takes no more messages, and settles once those in hand are done (one waiting for the database gives up). */
  stop(): Promise<void>;
}

/** A poll that failed (the database away) is tried again after this long, doubling up to the maximum. */
const RETRY_DELAYS_MS = { max: 10_000 } as const;

/**
 * The e-mail outbox's worker (docs/DESIGN.md, "E-mail queue"): contract_messages is the queue. Each
 * round claims up to the free slots' worth of due messages (sql/claim_contract_messages.sql: FOR
 * UPDATE SKIP LOCKED, a lease per message) and sends them concurrently, up to `concurrency` at once.
 * It polls: a round that filled every slot is followed by another as soon as a slot frees; otherwise
 * the next poll is `pollIntervalMs` later, and an idle poll is one read of an empty index range.
 *
 * Each message's outcome is recorded by its send (sent, failed, skipped, held back, or queued again
 * after its backoff). A send that throws (a fault of ours, the database gone) is queued again with
 * its error; one that cannot even record that, and a worker that dies mid-send, leave the message
 * claimed: it is taken again once its lease runs out. The lease is well above the longest send, so
 * a message whose worker is alive is never taken twice.
 */
export async function startMailDispatcher({
  pool,
  send,
  logger,
  concurrency,
  pollIntervalMs,
  leaseMs,
  soleWorker = false,
}: MailDispatcherOptions): Promise<MailDispatcher> {
  const log = logger.child({ component: 'mail-dispatcher' });
  if (soleWorker) {
    const released = await releaseContractMessageClaims(pool);
    if (released > 0) log.info({ released }, 'messages claimed by a previous run are due again');
  }
  const stopping = new AbortController();
  const inHand = new Set<Promise<void>>();
  let slotFreed: () => void = () => {};

  const attempt = async (claimed: MessageAttempt) => {
    try {
      await send(claimed);
    } catch (error) {
      // Counted as an attempt even when it failed before the message was begun, so that a message
      // that always fails so ends, failed, after the last attempt, as a job would; otherwise it is
      // queued again after its backoff. If the database is gone, its lease brings it back.
      const final = claimed.attempt >= claimed.maxAttempts;
      log.error(
        { err: error, messageId: claimed.messageId, attempt: claimed.attempt },
        final ? 'sending a message failed; it was the last attempt' : 'sending a message failed; it is tried again later',
      );
      await countAttempt(pool, claimed.tenantId, claimed.messageId, claimed.attempt)
        .then(() => finishContractMessage(pool, claimed.tenantId, claimed.messageId, final ? 'failed' : null, String(error)))
        .catch(() => {});
    }
  };

  const loop = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const freed = new Promise<void>((resolve) => {
        slotFreed = resolve;
      });
      const free = concurrency - inHand.size;
      let full = false;
      if (free > 0) {
        try {
          const claimed = await claimContractMessages(pool, free, leaseMs);
          failures = 0;
          full = claimed.length === free;
          for (const message of claimed) {
            const running = attempt({
              tenantId: message.tenant_id,
              messageId: message.id,
              attempt: message.attempts + 1,
              maxAttempts: MESSAGE_MAX_ATTEMPTS,
              queuedAt: new Date(message.created_at),
            });
            inHand.add(running);
            void running.finally(() => {
              inHand.delete(running);
              slotFreed();
            });
          }
        } catch (error) {
          failures += 1;
          if (failures === 1) {
            if (isDatabaseUnavailable(error)) log.warn({ err: error }, 'the database is unavailable; polling for e-mail again');
            else log.error({ err: error }, 'polling for e-mail failed');
          }
          await sleep(Math.min(pollIntervalMs * 2 ** failures, RETRY_DELAYS_MS.max), undefined, {
            signal: stopping.signal,
          }).catch(() => {});
          continue;
        }
      }
      // Every slot busy, or a full batch taken: go again as soon as a slot frees. Otherwise poll later.
      const waits: Promise<unknown>[] = [sleep(pollIntervalMs, undefined, { signal: stopping.signal }).catch(() => {})];
      if (full || free <= 0) waits.push(freed);
      await Promise.race(waits);
    }
  })();

  return {
    stop: async () => {
      stopping.abort();
      await loop;
      await Promise.allSettled([...inHand]);
    },
  };
}
