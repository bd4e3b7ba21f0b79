// Charts as plain SVG, rendered on the server: no script, no external library. Every chart has
// a <title> and <desc> (read by screen readers via role="img"), a <title> per mark (hover), and
// series told apart by dash pattern and marker shape as well as colour. The pages put the same
// numbers in a table beside each chart, which is the chart's full text alternative.

import { html, joinHtml, type SafeHtml } from './html.ts';
import { monthTick } from './format.ts';

export interface Series {
  name: string;
  /** Plotted values (display only: amounts are formatted from their exact text in `display`). */
  values: readonly number[];
  display: readonly string[];
}

const W = 720;
const H = 280;
const M = { left: 72, right: 16, top: 40, bottom: 36 };

/** Axis bounds rounded out to 1, 2 or 5 × 10^n so gridlines land on readable values. */
export function niceBounds(values: readonly number[]): { min: number; max: number; step: number } {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  const rough = span / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  // whole units at least: the charts show money and counts
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= rough) ?? 10 * mag);
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step || step, step };
}

/** 1234567 → "1.2M", 45000 → "45k" (axis labels only). */
export function compact(v: number): string {
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  if (a >= 1e9) return `${sign}${trim(a / 1e9)}B`;
  if (a >= 1e6) return `${sign}${trim(a / 1e6)}M`;
  if (a >= 1e3) return `${sign}${trim(a / 1e3)}k`;
  return `${sign}${trim(a)}`;
}
const trim = (x: number): string => (Math.round(x * 10) / 10).toString();

interface Frame {
  x: (i: number) => number;
  y: (v: number) => number;
  step: number;
  grid: SafeHtml;
}

function frame(labels: readonly string[], values: readonly number[], band: boolean): Frame {
  const { min, max, step } = niceBounds(values);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = Math.max(labels.length, 1);
  const slot = plotW / n;
  const x = (i: number): number => M.left + (band ? slot * i + slot / 2 : n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const y = (v: number): number => M.top + plotH - ((v - min) / (max - min)) * plotH;
  const ticks: SafeHtml[] = [];
  for (let v = min; v <= max + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    ticks.push(
      html`<line class="gridline" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/><text x="${M.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${compact(v)}</text>`,
    );
  }
  const every = n > 12 ? Math.ceil(n / 12) : 1;
  const xLabels = labels.map((l, i) =>
    i % every === 0
      ? html`<text x="${x(i).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${monthTick(l)}</text>`
      : '',
  );
  const grid = html`<g aria-hidden="true">${ticks}<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>${xLabels}</g>`;
  return { x, y, step, grid };
}

function svgOpen(id: string, title: string, desc: string): SafeHtml {
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>`;
}

/** Up to two monthly series as lines: the first solid with round markers, the second dashed with square ones. */
export function lineChart(o: {
  id: string;
  title: string;
  desc: string;
  labels: readonly string[];
  series: readonly Series[];
}): SafeHtml {
  const f = frame(
    o.labels,
    o.series.flatMap((s) => s.values),
    false,
  );
  const lines = o.series.slice(0, 2).map((s, k) => {
    const cls = k === 0 ? 's1' : 's2';
    const points = s.values.map((v, i) => `${f.x(i).toFixed(1)},${f.y(v).toFixed(1)}`).join(' ');
    const marks = s.values.map((v, i) => {
      const cx = f.x(i);
      const cy = f.y(v);
      const tip = html`<title>${s.name}, ${o.labels[i] ?? ''}: ${s.display[i] ?? ''}</title>`;
      return k === 0
        ? html`<circle class="${cls}m" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4.5">${tip}</circle>`
        : html`<rect class="${cls}m" x="${(cx - 4).toFixed(1)}" y="${(cy - 4).toFixed(1)}" width="8" height="8">${tip}</rect>`;
    });
    return html`<g data-series="${s.name}"><polyline class="${cls}" points="${points}"/>${marks}</g>`;
  });
  const legend = o.series.slice(0, 2).map((s, k) => {
    const x0 = M.left + k * 300;
    return k === 0
      ? html`<g aria-hidden="true"><line class="s1" x1="${x0}" x2="${x0 + 32}" y1="16" y2="16"/><circle class="s1m" cx="${x0 + 16}" cy="16" r="4.5"/><text x="${x0 + 40}" y="16" dominant-baseline="middle">${s.name}</text></g>`
      : html`<g aria-hidden="true"><line class="s2" x1="${x0}" x2="${x0 + 32}" y1="16" y2="16"/><rect class="s2m" x="${x0 + 12}" y="12" width="8" height="8"/><text x="${x0 + 40}" y="16" dominant-baseline="middle">${s.name} (dashed)</text></g>`;
  });
  return html`${svgOpen(o.id, o.title, o.desc)}${f.grid}${legend}${lines}</svg>`;
}

/** One value per month as bars (negative values below the axis, in another colour and labelled). */
export function barChart(o: {
  id: string;
  title: string;
  desc: string;
  labels: readonly string[];
  values: readonly number[];
  display: readonly string[];
  name: string;
}): SafeHtml {
  const f = frame(o.labels, o.values, true);
  const slot = (W - M.left - M.right) / Math.max(o.labels.length, 1);
  const bw = Math.max(4, slot * 0.6);
  const bars = o.values.map((v, i) => {
    const y0 = f.y(0);
    const y1 = f.y(v);
    const top = Math.min(y0, y1);
    const h = Math.max(Math.abs(y1 - y0), v === 0 ? 0 : 1);
    return html`<rect class="${v < 0 ? 'bar-negative' : 'bar'}" data-month="${o.labels[i] ?? ''}" x="${(f.x(i) - bw / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}"><title>${o.name}, ${o.labels[i] ?? ''}: ${o.display[i] ?? ''}${v < 0 ? ' (negative)' : ''}</title></rect>`;
  });
  const legend = html`<g aria-hidden="true"><rect class="bar" x="${M.left}" y="10" width="14" height="12"/><text x="${M.left + 20}" y="16" dominant-baseline="middle">${o.name}</text></g>`;
  return html`${svgOpen(o.id, o.title, o.desc)}${f.grid}${legend}<g>${bars}</g></svg>`;
}

/** Horizontal 0–100 meters with the value written beside each (health components). */
export function meterChart(o: {
  id: string;
  title: string;
  desc: string;
  rows: readonly { label: string; value: number | null; text: string }[];
}): SafeHtml {
  const rowH = 30;
  const left = 170;
  const width = 420;
  const h = o.rows.length * rowH + 10;
  const rows = o.rows.map((r, i) => {
    const y = 5 + i * rowH;
    const w = r.value === null ? 0 : Math.max(0, Math.min(100, r.value)) * (width / 100);
    return html`<g><text x="${left - 10}" y="${y + 11}" text-anchor="end" dominant-baseline="middle">${r.label}</text><rect class="track" x="${left}" y="${y}" width="${width}" height="22"/>${r.value === null ? '' : html`<rect class="bar" x="${left}" y="${y}" width="${w.toFixed(1)}" height="22"/>`}<text x="${left + width + 10}" y="${y + 11}" dominant-baseline="middle">${r.text}</text></g>`;
  });
  return html`<svg class="chart" id="${o.id}" viewBox="0 0 ${left + width + 130} ${h}" width="${left + width + 130}" height="${h}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${o.id}-title">${o.title}</title><desc id="${o.id}-desc">${o.desc}</desc>${joinHtml(rows)}</svg>`;
}
