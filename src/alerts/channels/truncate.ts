/**
 * Vendors refuse (not cut) a message over their limit, so an alert with a 50 KB stack trace
 * would never arrive. Every template is fitted to its vendor's limit here: the error text is
 * shortened first (the rest of the message is what a person needs to act), and cuts fall on
 * whole code points, so no half character or broken surrogate pair is ever sent.
 */
export const TRUNCATION_MARK = "… (truncated)";

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** At most `maxBytes` of UTF-8, ending with the truncation mark when something was cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const room = maxBytes - utf8Length(TRUNCATION_MARK);
  if (room <= 0) return cutAtBytes(TRUNCATION_MARK, maxBytes);
  return `${cutAtBytes(text, room)}${TRUNCATION_MARK}`;
}

/** At most `maxChars` UTF-16 units (how Slack counts), ending with the mark when cut. */
export function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const room = maxChars - TRUNCATION_MARK.length;
  if (room <= 0) return TRUNCATION_MARK.slice(0, maxChars);
  let cut = text.slice(0, room);
  // Do not leave the first half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${TRUNCATION_MARK}`;
}

/**
 * Renders a message within `max` (measured by `measure`), shortening only the `variable` part
 * (the error) until it fits; if even an empty variable part is too long, cuts the whole.
 */
export function fitMessage(
  render: (variable: string) => string,
  variable: string,
  max: number,
  measure: (text: string) => number = utf8Length,
): string {
  const cut = measure === utf8Length ? truncateUtf8 : truncateChars;
  let rendered = render(variable);
  if (measure(rendered) <= max) return rendered;
  const room = max - measure(render(""));
  let budget = measure(variable);
  for (let round = 1; round <= 10 && room > 0; round++) {
    // Escaping grows the text (a `<` becomes a 3-byte look-alike, a line gets a quote prefix):
    // scale the budget by how much the rendered part overshot, with a margin that grows.
    const renderedPart = measure(rendered) - (max - room);
    budget = Math.floor((budget * room) / renderedPart) - 8 * round;
    if (budget <= measure(TRUNCATION_MARK)) break;
    rendered = render(cut(variable, budget));
    if (measure(rendered) <= max) return rendered;
  }
  rendered = render(TRUNCATION_MARK);
  return measure(rendered) <= max ? rendered : cut(rendered, max);
}

function cutAtBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
