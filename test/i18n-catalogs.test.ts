import { readFileSync, readdirSync } from 'node:fs';
import test from 'ava';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CATALOGS, DEFAULT_LANGUAGE, LANGUAGES } from '../src/i18n/catalogs.ts';
import { createTranslator, translator } from '../src/i18n/translator.ts';

// docs/LANGUAGES.md: one catalog per language, English complete; every string a family reads comes
// from one, so a template holds no sentence of its own.

const english = CATALOGS.get(DEFAULT_LANGUAGE) as ReadonlyMap<string, string>;

/** The arguments and tags a message takes: a translation must take the same. */
function placeholders(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
      names.add(element.type === TYPE.tag ? `<${element.value}>` : element.value);
      if (element.type === TYPE.tag) walk(element.children);
      if (element.type === TYPE.select || element.type === TYPE.plural) {
        for (const option of Object.values(element.options)) walk(option.value);
      }
    }
  };
  walk(parse(message));
  return [...names].sort();
}

for (const language of LANGUAGES.filter((code) => code !== DEFAULT_LANGUAGE)) {
  test(`the ${language} catalog has every message of the English one, and none it lacks`, (t) => {
    const catalog = CATALOGS.get(language) as ReadonlyMap<string, string>;
    t.deepEqual(
      [...english.keys()].filter((key) => !catalog.has(key)),
      [],
      'missing: each would show in English',
    );
    t.deepEqual(
      [...catalog.keys()].filter((key) => !english.has(key)),
      [],
      'unknown: no page asks for these',
    );
  });

  test(`each ${language} message takes the same arguments and tags as the English one`, (t) => {
    const catalog = CATALOGS.get(language) as ReadonlyMap<string, string>;
    for (const [key, message] of catalog) {
      if (key === 'disclosure.text') continue;
      t.deepEqual(placeholders(message), placeholders(english.get(key) ?? ''), key);
    }
  });
}

test('every message is valid ICU MessageFormat', (t) => {
  for (const [language, catalog] of CATALOGS) {
    for (const [key, message] of catalog) {
      if (key === 'disclosure.text') continue;
      t.notThrows(() => parse(message), `${language} ${key}`);
    }
  }
});

test('a message missing from a catalog shows in English, that string alone', (t) => {
  const partial = new Map([
    ['language.locale', 'es'],
    ['page.contract.heading', 'Contrato de jugador de {player}'],
  ]);
  const spanish = createTranslator('es', partial, english);

  t.is(spanish.t('page.contract.heading', { player: 'Ana' }), 'Contrato de jugador de Ana');
  t.is(spanish.t('page.contract.signButton'), 'Sign contract');
});

test('plurals, selects and money follow the language', (t) => {
  const [en, es] = [translator('en'), translator('es')];

  t.deepEqual([en.t('format.teamsLabel', { count: 1 }), en.t('format.teamsLabel', { count: 2 })], ['Team', 'Teams']);
  t.deepEqual([es.t('format.teamsLabel', { count: 1 }), es.t('format.teamsLabel', { count: 2 })], ['Equipo', 'Equipos']);
  t.is(es.t('format.role', { role: 'guardian' }), 'Madre, padre o tutor');
  t.is(es.html('page.contract.signedBy', { name: '<Ana>', at: 'hoy' }).startsWith('Firmado por <strong>&lt;Ana&gt;</strong>'), true);
});

/**
 * Text a family reads, outside the template's tags: anything with two words in a row, which only a
 * catalog may hold.
 */
function literalSentences(template: string): string[] {
  const text = template
    .replace(/<%[\s\S]*?%>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  return text.match(/\p{L}{2,}[\s,.:;!?'’-]+\p{L}{2,}/gu) ?? [];
}

for (const folder of ['src/http/views/', 'src/mail/templates/']) {
  test(`no template in ${folder} holds a sentence of its own: every word is a catalog's`, (t) => {
    const familyTemplates = readdirSync(folder).filter((file) => file.endsWith('.eta') && file !== 'chart.eta');
    t.true(familyTemplates.length > 3);
    for (const file of familyTemplates) {
      t.deepEqual(literalSentences(readFileSync(`${folder}${file}`, 'utf8')), [], file);
    }
  });
}

test('the literal-sentence check finds a sentence written into a template', (t) => {
  t.deepEqual(literalSentences('<p><%= it.t("a") %></p><p>Sign the contract</p>'), ['Sign the']);
});
