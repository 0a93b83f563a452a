import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * JSON lines on stdout. Contract tokens are credentials (whoever has one can sign), so every place
 * one can appear in a log record is redacted, as are authorization headers. Errors are logged by
 * type, code, message and stack only: database errors carry the query's values and result rows.
 * A line about a request names its id (requestIdOf in src/http/middleware.ts). Lines go out once
 * per turn of the event loop (stdoutOncePerTurn).
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
  return pino(options, destination ?? stdoutOncePerTurn());
}

/**
 * stdout, written once per turn of the event loop: the lines logged during a turn go out together
 * in one synchronous write(2) when it ends. A write per line cost an offer about a tenth of the
 * service's CPU in the bench (docs/PERFORMANCE.md), and sonic-boom's asynchronous mode hands each
 * write to libuv's thread pool, which cost as much again in thread wake-ups. A line is never held
 * past its turn; what a process logs in the turn it exits in is written on exit. One per process,
 * shared by every logger.
 */
let sharedStdout: pino.DestinationStream | undefined;

function stdoutOncePerTurn(): pino.DestinationStream {
  if (sharedStdout !== undefined) return sharedStdout;
  const stdout = pino.destination({ dest: 1, sync: true });
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const lines = pending;
    pending = '';
    stdout.write(lines);
  };
  process.on('exit', flush);
  sharedStdout = {
    write(line: string) {
      if (pending === '') setImmediate(flush);
      pending += line;
    },
  };
  return sharedStdout;
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
