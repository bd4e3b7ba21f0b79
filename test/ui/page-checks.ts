// Checks run inside the browser page (as expression strings: the project's TypeScript has no DOM
// types), and the WCAG contrast formula for the palette. A small stand-in for an accessibility
// engine: labels, landmarks, headings, names of charts and links, table headers, unique ids, and
// the contrast of every visible text against its background.

/** WCAG 2 relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const channel = (h: string | undefined): number => {
    const v = Number.parseInt(h ?? '0', 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(m[1]) + 0.7152 * channel(m[2]) + 0.0722 * channel(m[3]);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Returns a list of problems (empty when the page passes). */
export const A11Y_CHECKS = `(() => {
  const problems = [];
  const doc = document;
  if (doc.documentElement.getAttribute('lang') !== 'en') problems.push('html has no lang="en"');
  if (!doc.title.trim()) problems.push('no <title>');
  const h1s = doc.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push('h1 count ' + h1s.length);
  let prev = 0;
  for (const h of doc.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (prev !== 0 && level > prev + 1) problems.push('heading level skipped: h' + prev + ' then h' + level + ' "' + h.textContent.trim() + '"');
    if (!h.textContent.trim()) problems.push('empty heading');
    prev = level;
  }
  for (const el of doc.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const byFor = el.id && doc.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    const named = byFor && byFor.textContent.trim();
    if (!named && !el.closest('label') && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) problems.push('form field without a label: ' + el.tagName + '#' + el.id);
  }
  for (const tag of ['header', 'nav', 'main', 'footer']) if (!doc.querySelector(tag) && !(tag === 'nav' && doc.querySelector('.login'))) problems.push('no <' + tag + '> landmark');
  if (doc.querySelectorAll('main').length !== 1) problems.push('not exactly one <main>');
  const navs = doc.querySelectorAll('nav');
  if (navs.length > 1) for (const n of navs) if (!n.getAttribute('aria-label')) problems.push('several <nav> without aria-label');
  for (const svg of doc.querySelectorAll('svg[role="img"]')) {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const name = ids.map((i) => (doc.getElementById(i) ? doc.getElementById(i).textContent.trim() : '')).join(' ').trim();
    if (!name || !svg.querySelector('title')) problems.push('chart without a title: ' + svg.id);
  }
  for (const svg of doc.querySelectorAll('svg:not([role="img"])')) if (svg.getAttribute('aria-hidden') !== 'true') problems.push('decorative svg not hidden');
  for (const a of doc.querySelectorAll('a')) if (!a.textContent.trim() && !a.getAttribute('aria-label')) problems.push('link without text: ' + a.getAttribute('href'));
  for (const b of doc.querySelectorAll('button')) if (!b.textContent.trim()) problems.push('button without text');
  for (const th of doc.querySelectorAll('thead th')) if (th.getAttribute('scope') !== 'col') problems.push('column header without scope');
  for (const t of doc.querySelectorAll('table')) if (!t.querySelector('caption') || !t.querySelector('caption').textContent.trim()) problems.push('table without caption: ' + t.id);
  const seen = new Map();
  for (const el of doc.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push('duplicate id ' + id);
  return problems;
})()`;

/** Every visible element with its own text: contrast of its colour against the background behind it. */
export const CONTRAST_CHECK = `(() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const failures = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText) continue;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (s.display === 'none' || s.visibility === 'hidden' || r.width <= 1 || r.height <= 1 || r.bottom < 0) continue;
    const fg = parse(el.closest('svg') ? s.fill : s.color);
    if (!fg) continue;
    const bg = background(el.closest('svg') ? el.closest('svg') : el);
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked++;
    if (ratio < 4.5) failures.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2));
  }
  return { checked, failures };
})()`;

/** The focused element: its id, tag, text and outline (for the keyboard tests). */
export const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return { id: el.id, tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim(), href: el.getAttribute('href'), sort: el.getAttribute('data-sort'),
    outlineStyle: s.outlineStyle, outlineWidth: parseInt(s.outlineWidth, 10), top: r.top, visible: r.width > 1 && r.height > 1 };
})()`;

export interface Focused {
  id: string;
  tag: string;
  text: string;
  href: string | null;
  sort: string | null;
  outlineStyle: string;
  outlineWidth: number;
  top: number;
  visible: boolean;
}
