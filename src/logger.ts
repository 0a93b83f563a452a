import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * JSON lines on stdout. Contract tokens are credentials (whoever has one can sign), so every place
 * one can appear in a log record is redacted, as are authorization headers. Errors are logged by
 * type, code, message and stack only: database errors carry the query's values and result rows.
 * A line about a request names its id (requestIdOf in src/http/middleware.ts). Writes are
 * asynchronous: under load the lines written while one write is in flight go out together in one
 * write(2), not one each; pino flushes what is left when the process exits.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'token', 'contract_token', '*.token', '*.contract_token'],
      censor: '[redacted]',
    },
    serializers: { err: serializeError },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
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
