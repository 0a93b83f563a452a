import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import type { ContractEventType, ContractStatus } from '../../machines/contract.ts';

export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the route's pattern, never the path (paths hold tokens). */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** One transition the database carried out. */
  countTransition(event: ContractEventType, from: ContractStatus, to: ContractStatus): void;
  /** One family-link request refused by the per-client rate limit. */
  countRateLimited(): void;
  /** One attempt to send an e-mail: sent, failed for good, or to be retried. */
  countMessage(kind: string, outcome: 'sent' | 'failed' | 'retried'): void;
  /** From the job's creation (the transition's commit) to the SMTP server's acceptance. */
  observeMessageDelivery(seconds: number): void;
  /**
   * One webhook delivery attempt: delivered (a 2xx answer), retried, or failed for good; and how
   * long the receiver took, or the attempt until it failed. No club or URL label: unbounded.
   */
  countWebhookAttempt(outcome: 'delivered' | 'retried' | 'failed', seconds: number): void;
}

const COUNTER_NAMED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Prometheus metrics for one app instance: its own registry, so tests can build many apps. */
export function createMetrics(pool: DatabasePool): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges like counters, which promtool refuses (and rate() over them
  // would mislead); each is only the sum over the `type` label of its namesake without `_total`.
  for (const name of COUNTER_NAMED_GAUGES) registry.removeSingleMetric(name);

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'contract_transitions_total',
    help: 'Contract transitions carried out, by event and by the states before and after.',
    labelNames: ['event', 'from', 'to'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'family_rate_limited_total',
    help: 'Family link requests refused with 429: their link opened no contract and their client had spent its budget of such misses.',
    registers: [registry],
  });
  const messages = new Counter({
    name: 'mail_messages_total',
    help: 'Attempts to send a family e-mail, by kind (offer, reminder, confirmation) and outcome (sent, failed, retried).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const delivery = new Histogram({
    name: 'mail_delivery_seconds',
    help: 'Time from queueing a family e-mail (the transition commits) to the SMTP server accepting it.',
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 7200],
    registers: [registry],
  });
  const webhookAttempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts, by outcome: delivered (a 2xx answer), retried (failed, another attempt is due) or failed (given up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const webhookLatency = new Histogram({
    name: 'webhook_delivery_attempt_seconds',
    help: 'Time of one webhook delivery attempt: connecting, sending and the answer (a timeout counts in full).',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'job_queue_jobs',
    help: "Jobs in the queue, the e-mail outbox's messages included: waiting (due or scheduled) and locked (being worked on).",
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // An unreachable database leaves the last value: /metrics answers through an outage.
      const counts = await pool
        .one(
          sql.type(z.object({ waiting: z.bigint(), locked: z.bigint() }))`
            SELECT sum(waiting)::bigint AS waiting, sum(locked)::bigint AS locked FROM (
              SELECT count(*) FILTER (WHERE locked_at IS NULL) AS waiting, count(*) FILTER (WHERE locked_at IS NOT NULL) AS locked
              FROM graphile_worker.jobs
              UNION ALL
              -- The e-mail outbox (docs/DESIGN.md, "E-mail queue"): a message is locked while its claim's lease runs.
              SELECT count(*) FILTER (WHERE claimed_at IS NULL OR due_at <= now()), count(*) FILTER (WHERE claimed_at IS NOT NULL AND due_at > now())
              FROM contract_messages WHERE status = 'queued' AND due_at IS NOT NULL
            ) AS queues
          `,
        )
        .catch(() => null);
      if (counts === null) return;
      this.set({ state: 'waiting' }, Number(counts.waiting));
      this.set({ state: 'locked' }, Number(counts.locked));
    },
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state; waiting counts requests queued for a connection.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const state = pool.state();
      this.set({ state: 'acquired' }, state.acquiredConnections);
      this.set({ state: 'idle' }, state.idleConnections);
      this.set({ state: 'pending' }, state.pendingConnections);
      this.set({ state: 'waiting' }, state.waitingClients);
    },
  });

  return {
    registry,
    observeRequest: (labels, seconds) => {
      const values = { ...labels, status: String(labels.status) };
      requests.inc(values);
      duration.observe(values, seconds);
    },
    countTransition: (event, from, to) => transitions.inc({ event, from, to }),
    countRateLimited: () => rateLimited.inc(),
    countMessage: (kind, outcome) => messages.inc({ kind, outcome }),
    observeMessageDelivery: (seconds) => delivery.observe(seconds),
    countWebhookAttempt: (outcome, seconds) => {
      webhookAttempts.inc({ outcome });
      webhookLatency.observe({ outcome }, seconds);
    },
  };
}
