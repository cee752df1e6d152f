// How both pages (the call page and the admin page) speak RU and EN: the
// language choice, the lookup with parameters and plural forms, and filling
// the data-i18n* markers of the HTML. Each page keeps its own words
// (i18n.js, admin-i18n.js) and builds its `t` and `localize` here.
//
// A string is plain text or, when it holds a count, an object of plural
// forms (Intl.PluralRules categories) chosen by the `n` parameter; `{name}`
// is replaced by the parameter of that name (left as it is when not given).

/** @typedef {string | Readonly<Record<string, string>>} Entry */

/**
 * The first preferred language there are words for decides (ru-RU → ru,
 * en-GB → en); when none is known, English.
 * @param {Record<string, unknown>} strings words by language
 * @param {readonly string[]} preferred BCP 47 tags, most preferred first
 */
export function chooseLanguage(strings, preferred) {
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (Object.prototype.hasOwnProperty.call(strings, primary)) return primary;
  }
  return 'en';
}

/**
 * The words of one page: its language (set on <html lang>), `t(key,
 * params)` — English when a key has no translation, '' for an unknown key,
 * never the key itself — and `localize(root)`, which fills data-i18n
 * (text), data-i18n-label (aria-label) and data-i18n-title (title).
 * @param {Record<string, Record<string, Entry>>} strings words by language, `en` complete
 */
export function makeI18n(strings) {
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  const lang = chooseLanguage(strings, preferred);
  document.documentElement.lang = lang;
  // Made on first use: a fresh browser loads its locale data for the first
  // Intl object (tens of ms on a slow phone), and the page's first words
  // need neither plurals nor numbers.
  /** @type {Intl.PluralRules | undefined} */
  let plurals;
  /** @type {Intl.NumberFormat | undefined} */
  let numbers;

  /**
   * @param {string} key
   * @param {Readonly<Record<string, string | number>>} [params]
   */
  function t(key, params = {}) {
    const entry = strings[lang][key] ?? strings.en[key];
    if (entry === undefined) return '';
    let text = entry;
    if (typeof entry !== 'string') {
      plurals ??= new Intl.PluralRules(lang);
      text = entry[plurals.select(Number(params.n ?? 0))] ?? entry.other ?? '';
    }
    return text.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
      const value = params[name];
      if (typeof value !== 'number') return String(value);
      numbers ??= new Intl.NumberFormat(lang);
      return numbers.format(value);
    });
  }

  /** @param {ParentNode} [root] */
  function localize(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  }

  return { lang, t, localize };
}
