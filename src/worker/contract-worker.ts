import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import { createMailer } from '../mail/mailer.ts';
import type { Metrics } from '../operations/metrics.ts';
import { startAuditSealer } from './audit-sealer.ts';
import { expireContractTask } from './contract-expiry.ts';
import { contractMailTasks } from './contract-mail-tasks.ts';
import { startWorker } from './start-worker.ts';
import { createReceipts } from '../receipts/receipts.ts';
import { webhookDeliveryTasks } from '../webhooks/delivery-task.ts';
import { checkWebhookSecretKey, createSecretBox } from '../webhooks/secret-box.ts';
import { storedSecretKeyIds } from '../webhooks/store.ts';

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
  const mailTasks = contractMailTasks({
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
  });
  const tasks = { ...mailTasks, expire_contract: expireContractTask({ pool, metrics }) };
  const runner = await startWorker({ databaseUrl: directDatabaseUrl, tasks, logger, soleWorker });
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
    await runner.stop();
    throw error;
  });
  const sealer = startAuditSealer({ pool, intervalMs: config.auditSealIntervalMs, logger });
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all([runner.stop(), webhookRunner.stop(), sealer.stop()]);
      await mailer.close();
    },
  };
}
