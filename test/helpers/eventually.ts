/** Polls `read` until `holds`, every 100 ms; fails naming `what` and the last value after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T> | T,
  holds: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
