// JSON with exact numbers, both ways. Salesforce sends currency and number fields as JSON
// numbers; reading them through a double would turn 1234567890123.45 into something else, so
// record payloads are parsed keeping each number's source text, and values are written back as
// raw JSON numbers made from our decimal text (Node's JSON.parse source access and JSON.rawJSON).

interface ExactJson {
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
  rawJSON(text: string): unknown;
}

const exact = JSON as unknown as ExactJson;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Parses JSON; every number becomes the string it was written as ("12000.50", "3"). */
export function parseJsonExact(text: string): unknown {
  return exact.parse(text, (_key, value, context) =>
    typeof value === 'number' && context.source !== undefined ? context.source : value,
  );
}

/** A JSON number written exactly as the decimal text says (for JSON.stringify). */
export function rawNumber(decimal: string): unknown {
  if (!DECIMAL.test(decimal)) throw new Error(`not a plain decimal: ${decimal}`);
  return exact.rawJSON(decimal);
}
