// The dashboard's stylesheet, served as /ui/assets/app.css (the CSP allows no inline styles).
// Built from the palette so the colours checked by the tests are the ones in use.

import { PALETTE as c } from './palette.ts';

export const STYLESHEET = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 100%; line-height: 1.5; color: ${c.text}; background: ${c.bg}; }
body { margin: 0; }
a { color: ${c.link}; text-underline-offset: 2px; }
a:visited { color: ${c.linkVisited}; }
:focus-visible { outline: 3px solid ${c.focus}; outline-offset: 2px; }
.skip-link { position: absolute; left: 0.5rem; top: -4rem; background: ${c.bg}; color: ${c.link}; padding: 0.5rem 1rem; z-index: 10; }
.skip-link:focus { top: 0.5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.site-header { background: ${c.headerBg}; color: ${c.headerText}; }
.site-header .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; max-width: 96rem; margin: 0 auto; padding: 0.5rem 1rem; }
.brand { font-weight: 700; font-size: 1.1rem; color: ${c.headerText}; text-decoration: none; }
.brand:visited { color: ${c.headerText}; }
.site-nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
.site-nav a, .site-nav a:visited { color: ${c.headerLink}; text-decoration: none; padding: 0.25rem 0.125rem; border-bottom: 3px solid transparent; }
.site-nav a[aria-current="page"] { color: ${c.headerText}; border-bottom-color: ${c.headerText}; font-weight: 600; }
.site-nav a:hover { text-decoration: underline; }
.site-header :focus-visible { outline-color: ${c.headerText}; }
.who { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; color: ${c.headerText}; }
.who form { margin: 0; }
main { max-width: 96rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
footer { max-width: 96rem; margin: 0 auto; padding: 1rem; color: ${c.muted}; border-top: 1px solid ${c.grid}; font-size: 0.9rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 0.5rem; }
.lede { color: ${c.muted}; margin-top: 0; }
button, .button { font: inherit; background: ${c.buttonBg}; color: ${c.buttonText}; border: 2px solid ${c.buttonBg}; border-radius: 4px; padding: 0.35rem 0.9rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: ${c.bg}; color: ${c.link}; border-color: ${c.border}; }
.site-header button { background: transparent; color: ${c.headerText}; border-color: ${c.headerLink}; }
input, select { font: inherit; color: ${c.text}; background: ${c.bg}; border: 1px solid ${c.border}; border-radius: 4px; padding: 0.3rem 0.5rem; }
label { font-weight: 600; display: block; margin-bottom: 0.2rem; }
label.inline { display: inline-flex; align-items: center; gap: 0.4rem; font-weight: 400; }
.toolbar { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.75rem 1rem; background: ${c.surface}; padding: 0.75rem; border-radius: 6px; margin: 0.75rem 0; }
.toolbar .field { display: flex; flex-direction: column; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.75rem; margin: 1rem 0; padding: 0; }
.stat { background: ${c.surface}; border-radius: 6px; padding: 0.75rem 1rem; margin: 0; }
.stat dt { color: ${c.muted}; font-size: 0.9rem; }
.stat dd { margin: 0.15rem 0 0; font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat .sub { display: block; font-size: 0.9rem; font-weight: 400; color: ${c.muted}; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: ${c.muted}; padding: 0.25rem 0; caption-side: top; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid ${c.grid}; vertical-align: top; }
thead th { border-bottom: 2px solid ${c.border}; vertical-align: bottom; }
tbody tr:nth-child(even) { background: ${c.surface}; }
td.num, th.num { text-align: right; }
td.num, td.date { white-space: nowrap; }
th .muted, td .muted { font-weight: 400; font-size: 0.9rem; }
th a { color: ${c.link}; }
.table-wrap { overflow-x: auto; position: relative; }
.badge { display: inline-flex; align-items: center; gap: 0.3rem; border-radius: 999px; padding: 0.05rem 0.6rem; font-weight: 600; font-size: 0.9rem; white-space: nowrap; }
.badge svg { width: 0.8rem; height: 0.8rem; fill: currentColor; }
.band-healthy { color: ${c.healthyText}; background: ${c.healthyBg}; }
.band-watch { color: ${c.watchText}; background: ${c.watchBg}; }
.band-at_risk { color: ${c.riskText}; background: ${c.riskBg}; }
.band-none { color: ${c.noneText}; background: ${c.noneBg}; }
.sev-critical { color: ${c.riskText}; background: ${c.riskBg}; }
.sev-warning { color: ${c.watchText}; background: ${c.watchBg}; }
.sev-info { color: ${c.infoText}; background: ${c.infoBg}; }
.flag-bad { color: ${c.riskText}; background: ${c.riskBg}; }
.flag-warn { color: ${c.watchText}; background: ${c.watchBg}; }
.flag-ok { color: ${c.healthyText}; background: ${c.healthyBg}; }
.muted { color: ${c.muted}; }
.error-box { color: ${c.errorText}; background: ${c.errorBg}; border-left: 4px solid ${c.errorText}; padding: 0.5rem 0.75rem; margin: 0.75rem 0; }
.note { background: ${c.infoBg}; color: ${c.infoText}; padding: 0.5rem 0.75rem; border-radius: 4px; }
.login { max-width: 28rem; margin: 3rem auto; }
.login input { width: 100%; }
.login .hint { color: ${c.muted}; font-size: 0.9rem; }
figure { margin: 1rem 0; }
figcaption { color: ${c.muted}; font-size: 0.95rem; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { fill: ${c.text}; font-size: 12px; font-family: inherit; }
svg.chart .axis { stroke: ${c.border}; stroke-width: 1; }
svg.chart .gridline { stroke: ${c.grid}; stroke-width: 1; }
svg.chart .s1 { stroke: ${c.series1}; fill: none; stroke-width: 2.5; }
svg.chart .s1m { fill: ${c.series1}; }
svg.chart .s2 { stroke: ${c.series2}; fill: none; stroke-width: 2.5; stroke-dasharray: 7 4; }
svg.chart .s2m { fill: ${c.bg}; stroke: ${c.series2}; stroke-width: 2; }
svg.chart .bar { fill: ${c.bar}; }
svg.chart .bar-negative { fill: ${c.barNegative}; }
svg.chart .track { fill: ${c.surface}; stroke: ${c.grid}; }
details { margin: 0.5rem 0; }
summary { cursor: pointer; color: ${c.link}; }
.two-col { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem 2rem; }
ul.plain { list-style: none; padding: 0; }
.alert-list li { margin: 0.5rem 0; }
#severity-filter { display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; }
#severity-filter a[aria-current] { font-weight: 700; }
`;
