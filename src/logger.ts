import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { requestContext } from './request-context.ts';

/**
 * JSON lines on stdout. Contract tokens are credentials (whoever has one can sign), so every place
 * one can appear in a log record is redacted, as are authorization headers. Errors are logged by
 * type, code, message and stack only: database errors carry the query's values and result rows.
 * A line written while handling a request carries that request's id, wherever it is written from.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    mixin: () => requestContext.getStore() ?? {},
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'token', 'contract_token', '*.token', '*.contract_token'],
      censor: '[redacted]',
    },
    serializers: { err: serializeError },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { code } = error as { code?: unknown };
  return {
    type: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: serializeError(error.cause) }),
  };
}
