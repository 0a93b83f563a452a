import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SignPdf } from '@signpdf/signpdf';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SUBFILTER_ETSI_CADES_DETACHED, Signer } from '@signpdf/utils';
import type { Token } from 'markdown-it';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { formatIsoTime, formatMonthlyFee, formatReadableTime } from '../formatting.ts';
import { type Translator, translator } from '../i18n/translator.ts';
import { isTermsLink, termsTokens } from '../terms/terms-html.ts';
import type { ReceiptSealer } from './seal.ts';

/**
 * The receipt PDF of a signed contract (docs/RECEIPTS.md): what was agreed, by whom, when and from
 * where, the terms as the family page shows them, the contract's audit trail with each row's chain
 * hash, and how to verify it; sealed (seal.ts). Every byte follows from `content` and the
 * certificate: the creation date is the signature's, pdfkit's file ID is a hash of the document's
 * info, fonts are subset by glyph order, the seal's signature is deterministic. So rendering the
 * same contract again gives the same file, and its sha256 can be recorded in the audit chain.
 *
 * Text is drawn, never parsed: pdfkit writes each string as glyph ids of the embedded font, so no
 * name or term can add PDF syntax. The font is DejaVu Sans (npm `dejavu-fonts-ttf`), which covers
 * Latin, Greek, Cyrillic, Armenian, Georgian and more; a character it lacks (CJK, for one) prints as
 * its code point, `<U+738B>`, rather than as an empty box, so nothing a family typed is lost.
 * Right-to-left text (Hebrew, Arabic) prints in stored order, unshaped.
 */

export interface ReceiptSignature {
  readonly role: 'guardian' | 'player' | null;
  /** The signer as the club listed them; null for a signature made before signers existed. */
  readonly name: string | null;
  readonly signedBy: string;
  readonly signedAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly esignConsent: boolean | null;
  readonly disclosureVersion: string | null;
  readonly disclosureSha256: string | null;
  readonly termsVersion: number | null;
  readonly termsSha256: string | null;
}

export interface ReceiptAuditRow {
  readonly id: string;
  /** UTC, to the microsecond, as the chain hashes it. */
  readonly ts: string;
  readonly eventType: string;
  readonly actor: string;
  readonly source: string;
  readonly hash: string;
  readonly previousHash: string | null;
}

/** Everything a receipt shows: read from the contract's `sign` audit row and what it names. */
export interface ReceiptContent {
  readonly clubName: string;
  readonly clubSlug: string;
  readonly timeZone: string;
  readonly playerName: string;
  readonly teamNames: readonly string[];
  readonly monthlyFee: number;
  readonly currency: string;
  readonly contractVersion: string | null;
  readonly signedAt: Date;
  readonly terms: {
    readonly title: string;
    readonly version: number;
    readonly sha256: string;
    readonly body: string;
  } | null;
  readonly signatures: readonly ReceiptSignature[];
  /** The contract's audit rows, from the offer that made it to its completing `sign` row (the last). */
  readonly trail: readonly ReceiptAuditRow[];
  /** The language of the signature that completed the contract (docs/LANGUAGES.md): the PDF's. */
  readonly language: string;
}

const require = createRequire(import.meta.url);
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  boldItalic: 'DejaVuSans-BoldOblique.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;
/**
 * The faces, parsed once per process and shared by every document: fontkit keeps what it works out
 * of a font (its layout tables) in the font object, which otherwise each document would parse anew.
 */
let faces: Record<FontName, fontkit.Font> | null = null;
const fontFaces = () => {
  faces ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([name, file]) => [
      name,
      fontkit.create(fs.readFileSync(path.join(FONT_DIR, file))) as fontkit.Font,
    ]),
  ) as Record<FontName, fontkit.Font>;
  return faces;
};

const PAGE = { size: 'A4', margin: 56 } as const;
const GREY = '#555555';
const RULE = '#bbbbbb';

/** The sealed PDF. */
export async function renderReceipt(content: ReceiptContent, sealer: ReceiptSealer, deploymentName: string): Promise<Buffer> {
  const unsealed = await layOut(content, sealer.certificate.subject.replace(/\n/g, ', '));
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: unsealed,
    reason: 'Receipt of a signed contract, as recorded in the club’s audit log',
    contactInfo: '',
    name: 'club-contracts',
    location: deploymentName,
    signingTime: content.signedAt,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    signatureLength: 8192,
  });
  return new SignPdf().sign(withPlaceholder, new SealSigner(sealer));
}

class SealSigner extends Signer {
  constructor(private readonly sealer: ReceiptSealer) {
    super();
  }
  override async sign(signedBytes: Buffer): Promise<Buffer> {
    return this.sealer.signDetached(signedBytes);
  }
}

/** The unsealed document. */
export function layOut(content: ReceiptContent, sealSubject: string): Promise<Buffer> {
  const doc = new PDFDocument({
    // Not Helvetica, pdfkit's default, which it would load for every document.
    font: fontFaces().regular as unknown as string,
    size: PAGE.size,
    margin: PAGE.margin,
    bufferPages: true,
    compress: true,
    pdfVersion: '1.7',
    lang: translator(content.language).locale,
    info: {
      Title: translator(content.language).t('pdf.title'),
      Author: 'club-contracts',
      Creator: 'club-contracts',
      Producer: 'club-contracts (PDFKit)',
      CreationDate: content.signedAt,
      ModDate: content.signedAt,
    },
    displayTitle: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  // pdfkit takes a fontkit font as a font's source (PDFFontFactory.open); its types say a path or bytes.
  for (const [name, face] of Object.entries(fontFaces())) doc.registerFont(name, face as unknown as Buffer);
  const writer = new Writer(doc);
  writer.document(content, sealSubject);
  writer.pageNumbers();
  doc.end();
  return done;
}

interface Run {
  readonly text: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly mono?: boolean;
  readonly strike?: boolean;
  /** Keeps its line breaks: a hard break or a code block of the terms (a name's become spaces). */
  readonly lines?: boolean;
}

class Writer {
  private readonly covered = new Map<string, boolean>();
  private readonly left: number;
  private readonly width: number;
  private language: Translator = translator('en');

  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  document(content: ReceiptContent, sealSubject: string): void {
    const { doc } = this;
    const language = translator(content.language);
    this.language = language;
    const { t } = language;
    const at = (moment: Date) => `${formatReadableTime(moment, content.timeZone, language.locale)} (${formatIsoTime(moment)})`;
    const signedAt = at(content.signedAt);
    this.runs([{ text: content.clubName, bold: true }], { size: 11, color: GREY });
    this.runs([{ text: t('pdf.heading', { player: content.playerName }), bold: true }], { size: 18 });
    this.runs([{ text: t('pdf.completed', { at: signedAt }) }], { size: 9.5, color: GREY });
    doc.moveDown(0.8);

    this.heading(t('pdf.contract'));
    this.facts([
      [t('pdf.club'), content.clubName],
      [t('pdf.player'), content.playerName],
      [
        t('format.teamsLabel', { count: content.teamNames.length }),
        content.teamNames.length > 0 ? content.teamNames.join(', ') : t('format.noTeam'),
      ],
      [t('pdf.monthlyFee'), `${formatMonthlyFee(content.monthlyFee, content.currency, language)} (${content.currency})`],
      [t('pdf.contractVersion'), content.contractVersion ?? t('pdf.notRecorded')],
      [
        t('pdf.terms'),
        content.terms === null
          ? t('pdf.noTerms')
          : t('pdf.termsLine', { title: content.terms.title, version: content.terms.version }),
      ],
      ...(content.terms === null ? [] : ([[t('pdf.termsSha256'), content.terms.sha256, 'mono']] as const)),
      [t('pdf.completedAt'), signedAt],
    ]);

    this.heading(t('pdf.signatures', { count: content.signatures.length }));
    content.signatures.forEach((signature, index) => {
      const who =
        signature.name === null
          ? t('pdf.signer')
          : `${signature.name}${signature.role === null ? '' : ` (${t('format.role', { role: signature.role })})`}`;
      this.runs([{ text: `${index + 1}. ${who}`, bold: true }], { size: 10 });
      const consent = signature.esignConsent === null ? 'unknown' : signature.esignConsent ? 'given' : 'refused';
      this.facts([
        [t('pdf.typedName'), signature.signedBy],
        [t('pdf.signedAt'), at(signature.signedAt)],
        [t('pdf.fromAddress'), signature.ip ?? t('pdf.notRecorded')],
        [t('pdf.userAgent'), signature.userAgent ?? t('pdf.notRecorded')],
        [t('pdf.consent'), t('pdf.consentValue', { consent })],
        ...(signature.disclosureSha256 === null
          ? []
          : ([
              [t('pdf.disclosureShown'), t('pdf.version', { version: signature.disclosureVersion ?? '?' })],
              [t('pdf.disclosureSha256'), signature.disclosureSha256, 'mono'],
            ] as const)),
        ...(signature.termsSha256 === null
          ? []
          : ([
              [t('pdf.termsShown'), t('pdf.version', { version: signature.termsVersion ?? '?' })],
              [t('pdf.termsSha256'), signature.termsSha256, 'mono'],
            ] as const)),
      ]);
    });

    if (content.terms !== null) {
      this.heading(t('pdf.termsHeading', { title: content.terms.title }));
      this.runs([{ text: t('pdf.termsAsShown', { version: content.terms.version }) }], {
        size: 9,
        color: GREY,
      });
      doc.moveDown(0.5);
      this.markdown(termsTokens(content.terms.body));
    }

    this.heading(t('pdf.trail'));
    const first = content.trail[0];
    this.runs(
      [
        {
          text:
            t('pdf.trailExplained') + (first?.previousHash ? ` ${t('pdf.trailChainsOnto', { hash: first.previousHash })}` : ''),
        },
      ],
      { size: 9, color: GREY },
    );
    doc.moveDown(0.4);
    this.trailTable(content.trail);

    this.heading(t('pdf.verify'));
    const sign = content.trail.at(-1);
    this.runs([{ text: t('pdf.verifyExplained', { subject: sealSubject, row: sign?.id ?? '' }) }], { size: 9.5 });
  }

  /** "Page n of N" in every page's footer. */
  pageNumbers(): void {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let index = range.start; index < range.start + range.count; index += 1) {
      doc.switchToPage(index);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc
        .font('regular')
        .fontSize(8)
        .fillColor(GREY)
        .text(this.language.t('pdf.page', { page: index + 1, pages: range.count }), this.left, doc.page.height - bottom / 2 - 4, {
          width: this.width,
          align: 'right',
          lineBreak: false,
        });
      doc.page.margins.bottom = bottom;
    }
  }

  private heading(text: string): void {
    const { doc } = this;
    doc.moveDown(0.8);
    if (doc.y > doc.page.height - doc.page.margins.bottom - 80) doc.addPage();
    this.runs([{ text, bold: true }], { size: 13 });
    doc
      .moveTo(this.left, doc.y + 1)
      .lineTo(this.left + this.width, doc.y + 1)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.moveDown(0.4);
  }

  /** Label and value pairs, as a two-column table without borders. */
  private facts(rows: ReadonlyArray<readonly [string, string] | readonly [string, string, 'mono']>): void {
    this.table(
      null,
      rows.map(([label, value]) => [label, value]),
      [120, '*'],
      { mono: [], monoRows: rows.flatMap((row, index) => (row[2] === 'mono' ? [index] : [])), size: 9.5, plain: true },
    );
  }

  private table(
    header: readonly string[] | null,
    rows: ReadonlyArray<readonly string[]>,
    widths: ReadonlyArray<number | string>,
    style: { mono: readonly number[]; monoRows?: readonly number[]; size: number; plain?: boolean },
  ): void {
    const { doc } = this;
    doc.x = this.left;
    const cell = (text: string, column: number, row: number, bold = false): PDFKit.Mixins.CellOptions => {
      const mono = style.mono.includes(column) || (column === 1 && (style.monoRows ?? []).includes(row));
      return {
        text: this.printable(text, mono ? 'mono' : bold ? 'bold' : 'regular'),
        font: {
          src: mono ? 'mono' : bold ? 'bold' : column === 0 && style.plain ? 'bold' : 'regular',
          // A hash on one line of the facts' value column.
          size: mono && style.plain ? Math.min(style.size, 8.5) : style.size,
        },
      };
    };
    const data = [
      ...(header === null ? [] : [header.map((text) => ({ ...cell(text, -1, -1, true), backgroundColor: '#eeeeee' }))]),
      ...rows.map((row, index) => row.map((text, column) => cell(text, column, index))),
    ];
    doc.table({
      columnStyles: widths.map((width) => ({ width })),
      defaultStyle: style.plain
        ? { border: 0, padding: { top: 1.5, bottom: 1.5, left: 0, right: 6 } }
        : { border: 0.5, borderColor: RULE, padding: 3 },
      data,
    });
    doc.x = this.left;
    doc.moveDown(0.4);
  }

  /** The audit rows, each with its chain hash on a line of its own below it (a hash on one line). */
  private trailTable(trail: readonly ReceiptAuditRow[]): void {
    const { doc } = this;
    doc.x = this.left;
    const font = (src: FontName, size = 8) => ({ src, size });
    const header = this.language
      .t('pdf.trailColumns')
      .split('|')
      .map((text) => ({
        text,
        font: font('bold'),
        backgroundColor: '#eeeeee',
      }));
    doc.table({
      columnStyles: [{ width: 50 }, { width: 150 }, { width: 80 }, { width: '*' }],
      defaultStyle: { border: 0.5, borderColor: RULE, padding: 3 },
      data: [
        header,
        ...trail.flatMap((row) => [
          [row.id, row.ts, row.eventType, `${row.actor} (${row.source})`].map((text) => ({
            text: this.printable(text, 'regular'),
            font: font('regular'),
            border: { top: 0.5, left: 0.5, right: 0.5, bottom: 0 },
          })),
          [
            {
              text: `hash ${row.hash}`,
              colSpan: 4,
              font: font('mono', 7.5),
              textColor: GREY,
              border: { top: 0, left: 0.5, right: 0.5, bottom: 0.5 },
            },
          ],
        ]),
      ],
    });
    doc.x = this.left;
    doc.moveDown(0.4);
  }

  /** Runs of text in one paragraph, each in its own face; `indent` from the left margin. */
  private runs(runs: readonly Run[], options: { size: number; color?: string; indent?: number; gap?: number }): void {
    const { doc } = this;
    const indent = options.indent ?? 0;
    const visible = runs.filter((run) => run.text !== '');
    if (visible.length === 0) return;
    doc.fontSize(options.size).fillColor(options.color ?? 'black');
    visible.forEach((run, index) => {
      const face = faceOf(run);
      doc.font(face);
      const text = this.printable(run.text, face, run.lines === true);
      const textOptions: PDFKit.Mixins.TextOptions = {
        continued: index < visible.length - 1,
        strike: run.strike === true,
        paragraphGap: options.gap ?? 2,
      };
      if (index === 0) doc.text(text, this.left + indent, undefined, { ...textOptions, width: this.width - indent });
      else doc.text(text, textOptions);
    });
    doc.x = this.left;
  }

  /** The terms' tokens (terms-html.ts): headings, paragraphs, lists, quotes, code, rules and tables. */
  private markdown(tokens: readonly Token[]): void {
    const { doc } = this;
    const lists: Array<{ ordered: boolean; next: number }> = [];
    let quotes = 0;
    let marker: string | null = null;
    const indent = () => lists.length * 14 + quotes * 12;
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index] as Token;
      switch (token.type) {
        case 'heading_open': {
          const inline = tokens[index + 1];
          const size = ({ h3: 13, h4: 11.5, h5: 10.5, h6: 10 } as Record<string, number>)[token.tag] ?? 10;
          doc.moveDown(0.4);
          this.runs(
            inlineRuns(inline?.children ?? []).map((run) => ({ ...run, bold: true })),
            { size, indent: indent(), gap: 3 },
          );
          index += 2;
          break;
        }
        case 'paragraph_open': {
          const inline = tokens[index + 1];
          const runs = inlineRuns(inline?.children ?? []);
          const prefix = marker === null ? [] : [{ text: marker }];
          marker = null;
          this.runs([...prefix, ...runs], {
            size: 10,
            indent: indent() - (prefix.length > 0 ? 12 : 0),
            color: quotes > 0 ? GREY : 'black',
            gap: lists.length > 0 ? 1 : 5,
          });
          index += 2;
          break;
        }
        case 'bullet_list_open':
          lists.push({ ordered: false, next: 1 });
          break;
        case 'ordered_list_open':
          lists.push({ ordered: true, next: Number(token.attrGet('start') ?? 1) });
          break;
        case 'bullet_list_close':
        case 'ordered_list_close':
          lists.pop();
          if (lists.length === 0) doc.moveDown(0.3);
          break;
        case 'list_item_open': {
          const list = lists.at(-1);
          if (list !== undefined) {
            marker = list.ordered ? `${list.next}. ` : '• ';
            list.next += 1;
          }
          break;
        }
        case 'blockquote_open':
          quotes += 1;
          break;
        case 'blockquote_close':
          quotes -= 1;
          break;
        case 'fence':
        case 'code_block':
          this.runs([{ text: token.content.replace(/\n$/, ''), mono: true, lines: true }], {
            size: 8.5,
            indent: indent() + 8,
            gap: 5,
          });
          break;
        case 'hr':
          doc.moveDown(0.3);
          doc
            .moveTo(this.left + indent(), doc.y)
            .lineTo(this.left + this.width, doc.y)
            .lineWidth(0.5)
            .strokeColor(RULE)
            .stroke();
          doc.moveDown(0.5);
          break;
        case 'table_open': {
          const rows: string[][] = [];
          let header = 0;
          let inHead = false;
          for (index += 1; index < tokens.length && tokens[index]?.type !== 'table_close'; index += 1) {
            const cellToken = tokens[index] as Token;
            if (cellToken.type === 'thead_open') inHead = true;
            if (cellToken.type === 'thead_close') inHead = false;
            if (cellToken.type === 'tr_open') {
              rows.push([]);
              if (inHead) header += 1;
            }
            if (cellToken.type === 'inline') {
              rows.at(-1)?.push(
                inlineRuns(cellToken.children ?? [])
                  .map((run) => run.text)
                  .join(''),
              );
            }
          }
          const columns = Math.max(1, ...rows.map((row) => row.length));
          const full = rows.map((row) => [...row, ...Array<string>(columns - row.length).fill('')]);
          doc.moveDown(0.2);
          this.table(header > 0 ? (full[0] ?? null) : null, full.slice(header > 0 ? 1 : 0), Array<string>(columns).fill('*'), {
            mono: [],
            size: 9,
          });
          break;
        }
        default:
          break;
      }
    }
  }

  /**
   * Text as the font can print it: a character it has no glyph for becomes its code point
   * (`<U+738B>`); control characters (a line break in a name included) and bidirectional overrides
   * become a space, so no value can start a line of its own or turn the text around.
   */
  private printable(text: string, face: FontName, lines = false): string {
    this.doc.font(face);
    // Printable ASCII, most of any text: every face has it.
    if (/^[\x20-\x7e]*$/.test(text)) return text;
    const font = (this.doc as unknown as { _font: { font: { hasGlyphForCodePoint(code: number): boolean } } })._font.font;
    let out = '';
    for (const character of text) {
      const code = character.codePointAt(0) ?? 0;
      if (code === 0x0a && lines) {
        out += '\n';
        continue;
      }
      if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]/u.test(character)) {
        out += ' ';
        continue;
      }
      const key = `${face}:${code}`;
      let has = this.covered.get(key);
      if (has === undefined) {
        has = font.hasGlyphForCodePoint(code);
        this.covered.set(key, has);
      }
      out += has ? character : `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
    }
    return out;
  }
}

function faceOf(run: Run): FontName {
  if (run.mono) return 'mono';
  if (run.bold && run.italic) return 'boldItalic';
  if (run.bold) return 'bold';
  if (run.italic) return 'italic';
  return 'regular';
}

/** A paragraph's inline tokens as runs: emphasis, strong, code, strikethrough; a link's target after its text. */
function inlineRuns(children: readonly Token[]): Run[] {
  const runs: Run[] = [];
  let bold = 0;
  let italic = 0;
  let strike = 0;
  const links: string[] = [];
  const push = (text: string, extra: Partial<Run> = {}) =>
    runs.push({ text, bold: bold > 0, italic: italic > 0, strike: strike > 0, ...extra });
  for (const token of children) {
    switch (token.type) {
      case 'text':
        push(token.content);
        break;
      case 'code_inline':
        push(token.content, { mono: true });
        break;
      case 'softbreak':
        push(' ');
        break;
      case 'hardbreak':
        push('\n', { lines: true });
        break;
      case 'strong_open':
        bold += 1;
        break;
      case 'strong_close':
        bold -= 1;
        break;
      case 'em_open':
        italic += 1;
        break;
      case 'em_close':
        italic -= 1;
        break;
      case 's_open':
        strike += 1;
        break;
      case 's_close':
        strike -= 1;
        break;
      case 'link_open':
        // An autolink's text is its target already.
        links.push(token.markup === 'autolink' || token.markup === 'linkify' ? '' : String(token.attrGet('href') ?? ''));
        break;
      case 'link_close': {
        const href = links.pop() ?? '';
        if (isTermsLink(href)) push(` <${href}>`, { bold: false, italic: false });
        break;
      }
      default:
        if (token.content !== '') push(token.content);
    }
  }
  return runs;
}
