import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One address in front of several service instances, as a load balancer would be. */
export interface RoundRobin {
  readonly baseUrl: string;
  /** Connections handed to each target so far, in the order the targets were given. */
  readonly connections: number[];
  close(): Promise<void>;
}

/** A TCP front on a free loopback port that hands each new connection to the next target in turn. */
export async function startRoundRobin(targetUrls: readonly string[]): Promise<RoundRobin> {
  const targets = targetUrls.map((url) => new URL(url));
  const connections = targets.map(() => 0);
  const sockets = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((client) => {
    const index = next;
    next = (next + 1) % targets.length;
    connections[index] = (connections[index] ?? 0) + 1;
    const target = targets[index] as URL;
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
