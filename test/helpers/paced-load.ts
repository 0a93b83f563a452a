import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

// Traffic at a fixed rate, whatever the answers take: a request leaves on schedule even while the
// ones before it wait, as real clubs and families do not wait for each other. So a service that
// stalls shows as slow answers, not as fewer requests (which a closed loop would quietly send).

export interface PlannedRequest {
  /** What it stands for, to read the tally by: `offer`, `sign`, `view`… */
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** The one answer the request may get: its status and, for a refusal, its error code. */
  readonly expected: { readonly status: number; readonly code?: string };
}

export interface AnsweredRequest {
  readonly kind: string;
  readonly path: string;
  /** When it left and when its answer (or failure) came, in ms of performance.now(). */
  readonly sentAt: number;
  readonly answeredAt: number;
  /** 0 when no HTTP answer came at all. */
  readonly status: number;
  readonly code: string | null;
  readonly asExpected: boolean;
  /** Why no answer came (a refused connection, the load's own timeout). */
  readonly failure: string | null;
}

export interface PacedLoad {
  /** Sends nothing more, waits for the answers still due and returns every one, in the order sent. */
  stop(): Promise<readonly AnsweredRequest[]>;
}

/**
 * Sends `next()` every 1/perSecond s until stopped. Each request gives up after `giveUpMs` (a
 * failure in the tally), so stopping never hangs on a service that stopped answering.
 */
export function startPacedLoad(
  baseUrl: string,
  next: () => PlannedRequest,
  options: { readonly perSecond: number; readonly giveUpMs: number },
): PacedLoad {
  const agent = new Agent({ keepAlive: true });
  const answers: Array<Promise<AnsweredRequest>> = [];
  let stopped = false;
  const intervalMs = 1_000 / options.perSecond;
  const sending = (async () => {
    const startedAt = performance.now();
    for (let n = 0; !stopped; n += 1) {
      const due = startedAt + n * intervalMs;
      await sleep(Math.max(0, due - performance.now()));
      if (!stopped) answers.push(send(agent, baseUrl, next(), options.giveUpMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await sending;
      const settled = await Promise.all(answers);
      agent.destroy();
      return settled;
    },
  };
}

function send(agent: Agent, baseUrl: string, planned: PlannedRequest, giveUpMs: number): Promise<AnsweredRequest> {
  const payload = planned.body === undefined ? undefined : JSON.stringify(planned.body);
  const headers: Record<string, string | number> = { ...planned.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  const sentAt = performance.now();
  const answered = (status: number, code: string | null, failure: string | null): AnsweredRequest => ({
    kind: planned.kind,
    path: planned.path,
    sentAt,
    answeredAt: performance.now(),
    status,
    code,
    asExpected: failure === null && status === planned.expected.status && code === (planned.expected.code ?? null),
    failure,
  });
  return new Promise((resolve) => {
    const outgoing = request(
      `${baseUrl}${planned.path}`,
      { method: planned.method, agent, headers, signal: AbortSignal.timeout(giveUpMs) },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', (error) => resolve(answered(incoming.statusCode ?? 0, null, error.message)));
        incoming.on('end', () => resolve(answered(incoming.statusCode ?? 0, errorCode(Buffer.concat(chunks).toString('utf8')), null)));
      },
    );
    outgoing.on('error', (error) => resolve(answered(0, null, error.message)));
    outgoing.end(payload);
  });
}

/** The `error.code` of a JSON error body; null for any other body (a page, a success). */
function errorCode(text: string): string | null {
  try {
    const code: unknown = JSON.parse(text)?.error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
