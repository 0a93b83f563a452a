import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import { createMailer } from '../mail/mailer.ts';
import type { Metrics } from '../operations/metrics.ts';
import { startAuditSealer } from './audit-sealer.ts';
import { expireContractTask } from './contract-expiry.ts';
import { contractMailTasks, contractMessageSender } from './contract-mail-tasks.ts';
import { startMailDispatcher } from './mail-dispatcher.ts';
import { startWorker } from './start-worker.ts';
import { createReceipts } from '../receipts/receipts.ts';
import { webhookDeliveryTasks } from '../webhooks/delivery-task.ts';
import { checkWebhookSecretKey, createSecretBox } from '../webhooks/secret-box.ts';
import { storedSecretKeyIds } from '../webhooks/store.ts';

/** E-mails sent at once, and graphile-worker's jobs run at once beside them: sending waits on the network, not the CPU. */
export const MAIL_CONCURRENCY = 4;

/** How often an idle worker looks for due e-mail, as graphile-worker polls for its jobs. */
export const MAIL_POLL_INTERVAL_MS = 500;

/**
 * How long a claimed message is the claiming worker's: it is taken again after that, so a message
 * whose worker died waits this long. Well above the longest send: one send waits on the SMTP server
 * at most a dozen times (connect, greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, the body's
 * answer, and the receipt made first), each bounded by SMTP_TIMEOUT_MS; so at least 5 minutes, and
 * 20 times the timeout when that is longer.
 */
export function mailLeaseMs(smtpTimeoutMs: number): number {
  return Math.max(5 * 60_000, 20 * smtpTimeoutMs);
}

export interface ContractWorker {
  /** Finishes the jobs in hand (one waiting for an unavailable database gives up), then closes the mailer. */
  stop(): Promise<void>;
}

/** The worker that delivers the family's e-mail, as `npm start` runs it (unless WORKER=off) and `npm run worker` does. */
export async function startContractWorker(
  config: Config,
  {
    directDatabaseUrl,
    pool,
    metrics,
    logger,
    soleWorker = false,
  }: {
    directDatabaseUrl: string;
    pool: DatabasePool;
    metrics: Metrics;
    logger: Logger;
    /** No other worker can be on this queue (see startWorker). */
    soleWorker?: boolean;
  },
): Promise<ContractWorker> {
  const secrets = createSecretBox(config.webhooks);
  checkWebhookSecretKey(secrets, await storedSecretKeyIds(pool));
  const mailer = createMailer(config.mail, logger);
  const stopping = new AbortController();
  const mailDependencies = {
    pool,
    mailer,
    metrics,
    logger,
    contractBaseUrl: config.contractBaseUrl,
    currency: config.currency,
    reminders: config.reminders,
    familyMail: config.familyMail,
    offerValidDays: config.offerValidDays,
    receipts: createReceipts({ pool, config: config.receipts, currency: config.currency }),
    stopping: stopping.signal,
  };
  const tasks = { ...contractMailTasks(mailDependencies), expire_contract: expireContractTask({ pool, metrics }) };
  const runner = await startWorker({ databaseUrl: directDatabaseUrl, tasks, logger, soleWorker, concurrency: MAIL_CONCURRENCY });
  // The e-mail's outbox (docs/DESIGN.md, "E-mail queue"): graphile-worker keeps the reminders, the
  // deadlines, the receipts' backfill and the mail the previous release queued with jobs.
  const dispatcher = await startMailDispatcher({
    pool,
    send: contractMessageSender(mailDependencies),
    logger,
    concurrency: MAIL_CONCURRENCY,
    pollIntervalMs: MAIL_POLL_INTERVAL_MS,
    leaseMs: mailLeaseMs(config.mail.timeoutMs),
    soleWorker,
  }).catch(async (error: unknown) => {
    await runner.stop();
    throw error;
  });
  // Webhooks on workers of their own: endpoints that hang hold those, never the e-mail's. The
  // e-mail's start unlocked whatever a dead run left locked, theirs included.
  const webhookRunner = await startWorker({
    databaseUrl: directDatabaseUrl,
    tasks: webhookDeliveryTasks({
      pool,
      metrics,
      logger,
      secrets,
      config: config.webhooks,
      contractBaseUrl: config.contractBaseUrl,
    }),
    logger,
    concurrency: config.webhooks.concurrency,
  }).catch(async (error: unknown) => {
    await Promise.all([runner.stop(), dispatcher.stop()]);
    throw error;
  });
  const sealer = startAuditSealer({ pool, intervalMs: config.auditSealIntervalMs, logger });
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all([dispatcher.stop(), runner.stop(), webhookRunner.stop(), sealer.stop()]);
      await mailer.close();
    },
  };
}
