import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import type { ReceiptConfig } from '../config.ts';

/**
 * The seal of a receipt PDF (docs/RECEIPTS.md, "The seal"): a CMS signature in the PDF's
 * /Contents, PAdES baseline B (`ETSI.CAdES.detached`, signed attributes contentType, messageDigest
 * and signing-certificate-v2, the signing time in the signature dictionary's /M), by the service's
 * certificate: RECEIPT_SIGNING_P12, or a self-signed one made once in `$DATA_DIR` (mode 0600).
 *
 * The CMS is built here from node-forge's ASN.1 and signed with Node's crypto (RSA PKCS#1 v1.5,
 * SHA-256): deterministic, so a receipt has the same bytes every time it is made. node-forge's own
 * PKCS#7 writer cannot add the signing-certificate-v2 attribute PAdES requires.
 */
export interface ReceiptSealer {
  /** The DER of the CMS SignedData over `signedBytes` (the PDF less its /Contents). */
  signDetached(signedBytes: Buffer): Buffer;
  /** The certificate, as a PDF reader will show it. */
  readonly certificate: X509Certificate;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const { Class, Type } = asn1;

const seq = (value: Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
const set = (value: Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SET, true, value);
const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: Buffer) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
const int = (value: number) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(value).getBytes());
const nul = () => asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
const der = (node: Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const fromDer = (bytes: Buffer) => asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
const attribute = (type: string, value: Asn1) => seq([oid(type), set([value])]);

/** The sealer of a P12 file's RSA key and certificate. */
export function sealerFromP12(p12: Buffer, password: string): ReceiptSealer {
  const parsed = forge.pkcs12.pkcs12FromAsn1(fromDer(p12), false, password);
  const bags = (type: string | undefined) => (type === undefined ? [] : (parsed.getBags({ bagType: type })[type] ?? []));
  const keyBag = bags(forge.pki.oids.pkcs8ShroudedKeyBag)[0] ?? bags(forge.pki.oids.keyBag)[0];
  const key = keyBag?.key as forge.pki.rsa.PrivateKey | undefined;
  if (key?.n === undefined) throw new Error('the receipt signing P12 holds no RSA private key');
  const certificates = bags(forge.pki.oids.certBag).flatMap((bag) => (bag.cert === undefined ? [] : [bag.cert]));
  const forgeCertificate = certificates.find((cert) => {
    const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
    return publicKey.n?.equals(key.n) && publicKey.e?.equals(key.e);
  });
  if (forgeCertificate === undefined) throw new Error('the receipt signing P12 holds no certificate of its key');
  const certificateDer = der(forge.pki.certificateToAsn1(forgeCertificate));
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(key));
  const certificate = new X509Certificate(certificateDer);
  // issuer and serial number, as the certificate encodes them (tbsCertificate's 2nd and 4th fields).
  const tbs = fromDer(certificateDer).value[0] as Asn1;
  const [, serial, , issuer] = tbs.value as Asn1[];
  if (serial === undefined || issuer === undefined) throw new Error('the receipt signing certificate cannot be read');

  return {
    certificate,
    signDetached(signedBytes) {
      const attributes = [
        attribute(OID.contentType, oid(OID.data)),
        attribute(OID.messageDigest, octets(createHash('sha256').update(signedBytes).digest())),
        // ESSCertIDv2 with the default hash (SHA-256) left out, as DER requires.
        attribute(OID.signingCertificateV2, seq([seq([seq([octets(createHash('sha256').update(certificateDer).digest())])])])),
        // DER orders a SET OF by the encodings; the signature covers that order.
      ].sort((a, b) => Buffer.compare(der(a), der(b)));
      const signature = sign('sha256', der(set(attributes)), privateKey);
      const signedAttributes = asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attributes);
      const signerInfo = seq([
        int(1),
        seq([fromDer(der(issuer)), fromDer(der(serial))]),
        seq([oid(OID.sha256)]),
        signedAttributes,
        seq([oid(OID.rsaEncryption), nul()]),
        octets(signature),
      ]);
      const signedData = seq([
        int(1),
        set([seq([oid(OID.sha256)])]),
        seq([oid(OID.data)]),
        asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [fromDer(certificateDer)]),
        set([signerInfo]),
      ]);
      return der(seq([oid(OID.signedData), asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [signedData])]));
    },
  };
}

/**
 * The deployment's sealer: RECEIPT_SIGNING_P12 with its password, or the self-signed P12 in
 * `$DATA_DIR/receipt-signing.p12`, made on first use (mode 0600, no password: the file's mode
 * protects it, as the admin signing key's does). Read once per process.
 */
export function loadReceiptSealer(config: ReceiptConfig): ReceiptSealer {
  if (config.p12File !== null) return sealerFromP12(fs.readFileSync(config.p12File), config.p12Password);
  return sealerFromP12(loadOrCreateSelfSigned(config.selfSignedFile, config.deploymentName), '');
}

function loadOrCreateSelfSigned(file: string, deploymentName: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written whole under a name of its own, then linked into place, which fails if the file is there:
  // another process of the deployment (the worker beside the service, the CLI) never reads half of it.
  const partial = `${file}.${randomUUID()}.partial`;
  fs.writeFileSync(partial, selfSignedP12(deploymentName), { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(partial, file);
  } catch (error) {
    // Made first by another process: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return fs.readFileSync(file);
}

/** A self-signed RSA-3072 certificate until ten years from now, its subject naming the deployment. */
export function selfSignedP12(deploymentName: string, now = new Date()): Buffer {
  // Node's key generation: node-forge's, in JavaScript, takes seconds for 3072 bits.
  const pair = generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 0x10001 });
  const keys = {
    privateKey: forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  // A positive serial of 16 random bytes.
  certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  // Valid from 2000: a receipt's seal carries the contract's completion time, and contracts signed
  // before this certificate was made get their receipts sealed by it too (a PDF reader checks the
  // certificate's validity at that time).
  certificate.validity.notBefore = new Date('2000-01-01T00:00:00Z');
  certificate.validity.notAfter = new Date(now.getTime() + 10 * 365.25 * 86_400_000);
  const subject = [
    { shortName: 'CN', value: `club-contracts receipts of ${deploymentName}`.slice(0, 64) },
    { shortName: 'O', value: 'club-contracts (self-signed)' },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [certificate], '', { algorithm: '3des', friendlyName: 'receipts' });
  return Buffer.from(asn1.toDer(p12).getBytes(), 'binary');
}

// ---- verifying ----

export interface SealReading {
  /** The signature's CMS, as the PDF holds it (trailing zero padding removed). */
  readonly cms: Buffer;
  /** The bytes the signature covers: the whole file but the /Contents hex string. */
  readonly signedBytes: Buffer;
}

/**
 * The one signature of a receipt: its ByteRange must cover the whole file but the /Contents value
 * (so nothing was appended after sealing), and the CMS inside it. Throws with what is wrong.
 */
export function readSeal(pdf: Buffer): SealReading {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length !== 1)
    throw new Error(ranges.length === 0 ? 'the file carries no seal' : 'the file carries more than one signature');
  const [a, b, c, d] = (ranges[0] as RegExpMatchArray).slice(1, 5).map(Number) as [number, number, number, number];
  if (a !== 0 || c <= b || c + d !== pdf.length) {
    throw new Error('the seal does not cover the whole file: bytes were added or removed after it was made');
  }
  const hole = text.slice(b, c);
  if (!/^<[0-9A-Fa-f]*>$/.test(hole)) throw new Error('the seal’s signature is not where its ByteRange says');
  const cms = Buffer.from(hole.slice(1, -1).replace(/(00)+$/, ''), 'hex');
  return { cms, signedBytes: Buffer.concat([pdf.subarray(a, b), pdf.subarray(c, c + d)]) };
}

export type SealVerdict =
  | { readonly valid: true; readonly certificate: X509Certificate; readonly signingTime: Date | null }
  | { readonly valid: false; readonly problem: string };

/**
 * Checks a receipt's seal on its own: the digest of the signed bytes, the RSA signature over the
 * signed attributes by the certificate the CMS carries, and that the certificate is `expected`
 * (the deployment's) and was valid when the PDF says it was signed.
 */
export function verifySeal(pdf: Buffer, expected: X509Certificate): SealVerdict {
  try {
    const { cms, signedBytes } = readSeal(pdf);
    const content = fromDer(cms);
    const explicit = (content.value as Asn1[])[1];
    const signedData = (explicit?.value as Asn1[] | undefined)?.[0];
    if (signedData === undefined) return { valid: false, problem: 'the seal is no CMS SignedData' };
    const parts = signedData.value as Asn1[];
    const certificates = parts.find((part) => part.tagClass === Class.CONTEXT_SPECIFIC && part.type === 0);
    const signerInfos = parts.at(-1) as Asn1;
    const signerInfo = (signerInfos.value as Asn1[])[0] as Asn1;
    const fields = signerInfo.value as Asn1[];
    const attributes = fields.find((part) => part.tagClass === Class.CONTEXT_SPECIFIC && part.type === 0);
    const signature = fields.at(-1);
    const certificateNode = (certificates?.value as Asn1[] | undefined)?.[0];
    if (certificateNode === undefined || attributes === undefined || signature === undefined) {
      return { valid: false, problem: 'the seal’s signature lacks its certificate or signed attributes' };
    }
    const certificate = new X509Certificate(der(certificateNode));
    if (certificate.fingerprint256 !== expected.fingerprint256) {
      return {
        valid: false,
        problem: `the seal is by another certificate (${certificate.subject.replace(/\n/g, ', ')}), not this deployment's`,
      };
    }
    const digest = (attributes.value as Asn1[]).find(
      (attr) => asn1.derToOid((attr.value as Asn1[])[0]?.value as string) === OID.messageDigest,
    );
    const digestValue = ((digest?.value as Asn1[] | undefined)?.[1]?.value as Asn1[] | undefined)?.[0]?.value;
    if (typeof digestValue !== 'string') return { valid: false, problem: 'the seal’s signature has no message digest' };
    if (!Buffer.from(digestValue, 'binary').equals(createHash('sha256').update(signedBytes).digest())) {
      return { valid: false, problem: 'the file was changed after it was sealed: its digest is not the one signed' };
    }
    const signedAttributes = der(set(attributes.value as Asn1[]));
    if (!verify('sha256', signedAttributes, certificate.publicKey, Buffer.from(signature.value as string, 'binary'))) {
      return { valid: false, problem: 'the seal’s signature does not verify with its certificate' };
    }
    // The seal's time is the contract's completion (so the bytes are the same whenever it is made),
    // which for a contract signed before this certificate existed lies before its validity: what
    // vouches for the seal is that the certificate is the deployment's own, checked above.
    return { valid: true, certificate, signingTime: readSigningTime(pdf) };
  } catch (error) {
    return { valid: false, problem: `the seal cannot be read: ${(error as Error).message}` };
  }
}

/** The signature dictionary's /M (D:YYYYMMDDHHmmSSZ). */
function readSigningTime(pdf: Buffer): Date | null {
  const match = /\/M\s*\(D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z/.exec(pdf.toString('latin1'));
  if (match === null) return null;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
