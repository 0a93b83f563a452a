import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling a request carries (see logger.ts). */
export interface RequestContext {
  readonly request_id: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
