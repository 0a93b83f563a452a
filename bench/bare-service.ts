// Child process of bench/main.ts: the bare reference. node:http and pg, no framework, no token
// check, no validation, no machine: the request's JSON straight into the same offer_contract call.
// What the service does on top of this is what its layers cost.
import http from 'node:http';
import pg from 'pg';

const [databaseUrl, port, poolSize, tenantId] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(poolSize) });
const OFFER = "SELECT * FROM offer_contract($1, $2, $3, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench')";

const server = http.createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(404);
    response.end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { player_id: number; monthly_fee: number };
    pool.query(OFFER, [Number(tenantId), body.player_id, body.monthly_fee]).then(
      (result) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result.rows[0]));
      },
      (error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      },
    );
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
});
