import { type IncomingHttpHeaders, request } from 'node:http';

export interface RawRequest {
  readonly method: string;
  /** Sent exactly as given: no URL parsing or normalising on the way. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  readonly chunked?: boolean;
}

export interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One request as a hostile client would send it: any method, any path and header that HTTP can
 * carry. Errors writing the body after the answer has come (the server refused a large body
 * without reading it) do not count: the answer is what is being tested. A new connection each time,
 * so one refused request cannot break the next.
 */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawReply> {
  const url = new URL(baseUrl);
  // Node frames a GET's body only if told how: without these, its bytes would read as a second request.
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    if (options.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.body === undefined) {
      req.end();
    } else if (options.chunked) {
      req.write(options.body);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}
