// `npx tsx bench/receipt-pdf.ts [--sample docs/receipt-sample.pdf]`: how long a receipt PDF takes to
// make and how large it is (docs/RECEIPTS.md, "Size and speed"), for ordinary terms and for the
// longest a club may publish (100,000 characters), with the seal. Each is made ten times after a
// warm-up; the median and the slowest are printed. `--sample FILE` also writes the ordinary one,
// from which docs/receipt-sample.png is drawn (`pdftoppm -png -r 70 -f 1 -l 1 FILE docs/receipt-sample`).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ReceiptContent, renderReceipt } from '../src/receipts/render.ts';
import { sealerFromP12, selfSignedP12 } from '../src/receipts/seal.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ORDINARY_TERMS = [
  '# Fees',
  '',
  'The monthly fee is due on the **first day** of each month, *without exception*. A family that pays',
  'by bank transfer names the player in the reference.',
  '',
  '- Cancel with 30 days notice, in writing.',
  '- A month begun is due in full.',
  '',
  '| Months | Fee |',
  '| --- | --- |',
  '| September to May | €150 |',
  '| June | €75 |',
  '',
  '## Conduct',
  '',
  'Players arrive ten minutes before practice. Καλή σεζόν! Хорошего сезона!',
].join('\n');

function longTerms(): string {
  let body = '';
  for (let section = 1; body.length < 100_000; section += 1) {
    body += `## Section ${section}\n\nThe member pays the *monthly fee* on the **first day** of the month. `.padEnd(
      900,
      'Lorem ipsum. ',
    );
    body += '\n\n- an item of the list\n- another item\n\n';
  }
  return body.slice(0, 100_000);
}

function content(body: string): ReceiptContent {
  const at = new Date('2026-09-01T17:42:08Z');
  const hash = (n: number) => sha256(`row ${n}`);
  return {
    clubName: 'Westside Hoops',
    clubSlug: 'westside',
    timeZone: 'Europe/Athens',
    playerName: 'Γιώργος Παπαδόπουλος',
    teamNames: ['U12 Gold'],
    monthlyFee: 150,
    currency: 'EUR',
    contractVersion: '2026-27',
    signedAt: at,
    language: 'en',
    terms: { title: 'Season 2026–27', version: 3, sha256: sha256(body), body },
    signatures: [
      ['Анна Иванова', '203.0.113.7', new Date('2026-08-30T09:12:44Z')],
      ['Dana Park', '198.51.100.23', at],
    ].map(([name, ip, signedAt]) => ({
      role: 'guardian' as const,
      name: name as string,
      signedBy: name as string,
      signedAt: signedAt as Date,
      ip: ip as string,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1',
      esignConsent: true,
      disclosureVersion: 'esign-en-2026-12',
      disclosureSha256: sha256('disclosure'),
      termsVersion: 3,
      termsSha256: sha256(body),
    })),
    trail: [
      ['re_offer', 'registrar@westside.example', 'admin_api', '2026-08-28T16:03:11.204511Z'],
      ['signature', 'family', 'family_link', '2026-08-30T09:12:44.930187Z'],
      ['sign', 'family', 'family_link', '2026-09-01T17:42:08.118042Z'],
    ].map(([eventType, actor, source, ts], index) => ({
      id: String(4211 + index * 7),
      ts: ts as string,
      eventType: eventType as string,
      actor: actor as string,
      source: source as string,
      hash: hash(index),
      previousHash: index === 0 ? hash(-1) : hash(index - 1),
    })),
  };
}

async function main() {
  const sample = process.argv.indexOf('--sample');
  const sealer = sealerFromP12(selfSignedP12('contracts.westside.example'), '');
  for (const [name, body] of [
    ['ordinary terms', ORDINARY_TERMS],
    ['100,000 characters of terms', longTerms()],
  ] as const) {
    const receipt = content(body);
    let pdf = await renderReceipt(receipt, sealer, 'contracts.westside.example');
    const times: number[] = [];
    for (let run = 0; run < 10; run += 1) {
      const start = performance.now();
      pdf = await renderReceipt(receipt, sealer, 'contracts.westside.example');
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const median = ((times[4] ?? 0) + (times[5] ?? 0)) / 2;
    console.log(
      `${name}: ${pdf.length.toLocaleString('en-US')} bytes; made and sealed in ${median.toFixed(0)} ms median, ${times.at(-1)?.toFixed(0)} ms slowest (${os.cpus().length} cores)`,
    );
    if (sample > 0 && name === 'ordinary terms')
      fs.writeFileSync(path.resolve(process.argv[sample + 1] ?? 'receipt-sample.pdf'), pdf);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
