// ISO 4217 minor-unit exponents. Currencies not listed here use 2 (the ISO default for most).

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    // zero-decimal currencies
    BIF: 0,
    CLP: 0,
    DJF: 0,
    GNF: 0,
    ISK: 0,
    JPY: 0,
    KMF: 0,
    KRW: 0,
    PYG: 0,
    RWF: 0,
    UGX: 0,
    UYI: 0,
    VND: 0,
    VUV: 0,
    XAF: 0,
    XOF: 0,
    XPF: 0,
    // three-decimal currencies
    BHD: 3,
    IQD: 3,
    JOD: 3,
    KWD: 3,
    LYD: 3,
    OMR: 3,
    TND: 3,
    // four-decimal units of account
    CLF: 4,
    UYW: 4,
  }),
);

/** Number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3). */
export function currencyExponent(code: string): number {
  // a Map: a deal's currency comes from the CRM, and `constructor` is no currency
  return EXPONENTS.get(code) ?? 2;
}

export const CURRENCY_CODE = /^[A-Z]{3}$/;
