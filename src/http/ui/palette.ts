// The dashboard's colours, in one place so the CSS and the contrast checks (test/ui) read the
// same values. Text pairs must reach WCAG AA 4.5:1; chart strokes and focus rings 3:1 against
// the background. Colour never carries meaning alone: bands and severities also have an icon
// shape and a word, chart series a dash pattern and a marker shape.

export const PALETTE = {
  bg: '#ffffff',
  surface: '#f3f5f8',
  text: '#1b1f24',
  muted: '#4b5563',
  border: '#8a94a3',
  link: '#1a4fbf',
  linkVisited: '#5b2a9e',
  buttonBg: '#1d4ed8',
  buttonText: '#ffffff',
  focus: '#c2410c',
  headerBg: '#14213d',
  headerText: '#ffffff',
  headerLink: '#dbe6ff',
  healthyText: '#14622f',
  healthyBg: '#e3f3e8',
  watchText: '#7a4600',
  watchBg: '#fdf0d5',
  riskText: '#a1121b',
  riskBg: '#fde8e8',
  noneText: '#374151',
  noneBg: '#eceff3',
  infoText: '#1e3a8a',
  infoBg: '#e6eefc',
  errorText: '#a1121b',
  errorBg: '#fde8e8',
  series1: '#1d4ed8',
  series2: '#4b5563',
  bar: '#2f6690',
  barNegative: '#a1121b',
  grid: '#c9ced6',
} as const;

export type PaletteName = keyof typeof PALETTE;

/** Foreground/background pairs used for text: each must reach 4.5:1. */
export const TEXT_PAIRS: readonly (readonly [PaletteName, PaletteName])[] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['link', 'bg'],
  ['link', 'surface'],
  ['linkVisited', 'bg'],
  ['buttonText', 'buttonBg'],
  ['headerText', 'headerBg'],
  ['headerLink', 'headerBg'],
  ['healthyText', 'healthyBg'],
  ['watchText', 'watchBg'],
  ['riskText', 'riskBg'],
  ['noneText', 'noneBg'],
  ['infoText', 'infoBg'],
  ['errorText', 'errorBg'],
  ['series1', 'bg'],
  ['series2', 'bg'],
  ['bar', 'bg'],
  ['barNegative', 'bg'],
];

/** Non-text graphics (focus ring, chart marks, borders of inputs): each must reach 3:1. */
export const GRAPHIC_PAIRS: readonly (readonly [PaletteName, PaletteName])[] = [
  ['focus', 'bg'],
  ['focus', 'surface'],
  ['series1', 'bg'],
  ['series2', 'bg'],
  ['bar', 'bg'],
  ['border', 'bg'],
  ['headerLink', 'headerBg'],
];
