import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, exportJWK, generateKeyPair } from 'jose';

/** What the fake issuer's JWKS endpoint does when asked. */
export type JwksBehaviour =
  | 'serve'
  /** Accepts the connection and never answers. */
  | 'hang'
  /** Sends 200 and the start of a body, then nothing more. */
  | 'stall'
  | 'fail-500'
  /** 200 with a body that is not JSON. */
  | 'garbage'
  /** 200 with JSON that is not a key set. */
  | 'not-a-key-set';

/** An issuer signing key; the private half is extractable so tests can re-import it for other algorithms. */
export interface IssuerKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

/** A Keycloak realm reduced to its JWKS endpoint, on loopback, counting how often it is asked. */
export interface FakeIssuer {
  /** The realm URL, to be the service's OIDC_ISSUER. */
  readonly issuer: string;
  /** JWKS requests received so far. */
  readonly jwksRequests: number;
  /** The keys served; replace to rotate. */
  keys: IssuerKey[];
  behaviour: JwksBehaviour;
  close(): Promise<void>;
}

export async function issuerKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function startFakeIssuer(keys: IssuerKey[], behaviour: JwksBehaviour = 'serve'): Promise<FakeIssuer> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/realms/clubs/protocol/openid-connect/certs') {
      res.statusCode = 404;
      res.end();
      return;
    }
    fake.jwksRequests += 1;
    switch (fake.behaviour) {
      case 'serve':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: fake.keys.map((key) => key.jwk) }));
        return;
      case 'hang':
        return;
      case 'stall':
        res.setHeader('content-type', 'application/json');
        res.write('{"keys": [');
        return;
      case 'fail-500':
        res.statusCode = 500;
        res.end('Internal Server Error');
        return;
      case 'garbage':
        res.setHeader('content-type', 'application/json');
        res.end('<html>Service Unavailable</html>');
        return;
      case 'not-a-key-set':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: 'none today' }));
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake = {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/clubs`,
    jwksRequests: 0,
    keys,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
