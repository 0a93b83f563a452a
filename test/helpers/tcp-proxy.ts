import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP hop between the service and PostgreSQL that a test can cut and restore, to lose the
 * database without stopping the cluster every other test file is using.
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and refuses new ones, like a database that went away. */
  cut(): Promise<void>;
  /** Drops every connection and accepts new ones but never answers, like a host gone silent. */
  stall(): Promise<void>;
  /**
   * Keeps every connection open but carries nothing more either way, and accepts new ones without
   * answering: a network partition, where no FIN or RST ever arrives.
   */
  freeze(): void;
  /**
   * Drops every connection and resets each new one at once, keeping the port: a server that is
   * down, without handing its port to whoever asks for one next.
   */
  refuse(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let mode: 'forward' | 'silent' | 'refuse' = 'forward';

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const listen = () =>
    new Promise<void>((resolve) => {
      const listening = createServer((client) => {
        track(client);
        if (mode === 'refuse') {
          client.on('error', () => {});
          client.resetAndDestroy();
          return;
        }
        if (mode === 'silent') {
          client.on('error', () => client.destroy());
          return;
        }
        const upstream = connect(targetPort, targetHost);
        track(upstream);
        for (const socket of [client, upstream]) {
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.on('data', (chunk) => mode === 'forward' && upstream.write(chunk));
        upstream.on('data', (chunk) => mode === 'forward' && client.write(chunk));
        client.on('end', () => upstream.end());
        upstream.on('end', () => client.end());
      });
      server = listening;
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as AddressInfo).port;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server === null) return resolve();
      server.close(() => resolve());
      server = null;
    });

  await listen();
  return {
    port,
    cut: stop,
    stall: async () => {
      await stop();
      mode = 'silent';
      await listen();
    },
    freeze: () => {
      mode = 'silent';
    },
    refuse: async () => {
      mode = 'refuse';
      for (const socket of sockets) socket.destroy();
    },
    restore: async () => {
      await stop();
      mode = 'forward';
      await listen();
    },
    close: stop,
  };
}
