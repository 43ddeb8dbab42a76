/**
 * The wait a `Retry-After` header asks for (RFC 9110 §10.2.3): delay-seconds (`120`), or an
 * HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`, also the obsolete RFC 850 and asctime forms)
 * measured from `now`. A date already past is 0. Null when the header is absent or unreadable,
 * so the outbox falls back to its own backoff.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | null {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === "") return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form opens with the day's name; anything else Date.parse would guess at.
  if (!/^[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
