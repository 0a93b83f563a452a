import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { RATE_LIMIT_OUT_OF_THE_WAY } from './server.ts';

export interface ServiceProcess {
  /** Where it listens; empty for a process that serves nothing (`npm run worker`). */
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Launch {
  /** The command and its arguments; by default the service itself, `node --import tsx src/main.ts`. */
  readonly command?: readonly [string, ...string[]];
  readonly cwd?: string;
  /** In a session of its own, so that its process group can be signalled as a terminal's Ctrl-C does. */
  readonly detached?: boolean;
  /**
   * The log message that says it is up; by default 'serving' (its migrations have run, every route
   * answers). Its URL is the one it logged with 'listening'.
   */
  readonly readyMessage?: string;
}

/** `npm start` as a real process (what the operator runs), on a free port; resolves once it serves. */
export async function startServiceProcess(env: Record<string, string>, launch: Launch = {}): Promise<ServiceProcess> {
  const [command, ...args] = launch.command ?? [process.execPath, '--import', 'tsx', path.resolve('src/main.ts')];
  const child = spawn(command, args, {
    cwd: launch.cwd,
    detached: launch.detached,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...RATE_LIMIT_OUT_OF_THE_WAY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let pending = '';
    let url = '';
    child.stdout?.on('data', (chunk) => {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      // npm prints a banner before the service's JSON lines.
      for (const line of lines.filter((text) => text.startsWith('{'))) {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.msg === 'listening' && typeof record.url === 'string') url = record.url;
        if (record.msg === (launch.readyMessage ?? 'serving')) resolve(url);
      }
    });
    void exited.then(({ code }) => reject(new Error(`the service exited (${code}) before serving:\n${stderr}`)));
  });
  return { baseUrl, child, logs, exited };
}
