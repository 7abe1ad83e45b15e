// The page's words for its scripts: <html data-messages> holds them in the page's language
// (see civwatch/web/js_messages.py). t(id, values) fills %(name)s placeholders; tn(id, n)
// picks the plural form for n by the language's CLDR rules; label(kind, code) names a code.
"use strict";
(function () {
  const root = document.documentElement;
  let table = {};
  try { table = JSON.parse(root.getAttribute("data-messages") || "{}"); } catch (err) { table = {}; }
  const language = root.lang || "en";
  const rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(language) : null;
  const numbers = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(language) : null;

  function fill(text, values) {
    return String(text).replace(/%\((\w+)\)s|%%/g, (whole, name) => {
      if (!name) return "%";
      const value = values && values[name];
      return value === undefined || value === null ? "" : String(value);
    });
  }
  function number(n) { return numbers ? numbers.format(n) : String(n); }
  function t(id, values) {
    const text = (table.messages || {})[id];
    return fill(text === undefined ? id : text, values);
  }
  function tn(id, n, values) {
    const forms = (table.plurals || {})[id] || {};
    const category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
    const text = forms[category] || forms.other || forms.many || id;
    return fill(text, Object.assign({ num: number(n) }, values || {}));
  }
  function label(kind, code) {
    const known = ((table.labels || {})[kind] || {})[code];
    return known || String(code || "").replace(/_/g, " ");
  }
  window.civwatchT = { t: t, tn: tn, label: label, number: number };
})();
