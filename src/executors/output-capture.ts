/** What is kept of a stream: its text (capped), whether bytes were dropped, and how many came. */
export interface CapturedOutput {
  text: string;
  truncated: boolean;
  totalBytes: number;
}

/**
 * Keeps at most `maxBytes` of a stream whatever its length: the first half and the last half.
 * The start usually says what the command was doing and the end how it failed; the middle is
 * replaced by a marker saying how much was dropped. Memory stays at `maxBytes` plus one chunk.
 */
export class OutputCapture {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  /** A ring buffer of the last `#tailLimit` bytes, allocated once the head is full. */
  #tail: Buffer | null = null;
  #tailStart = 0;
  #tailBytes = 0;
  #totalBytes = 0;

  constructor(maxBytes: number) {
    this.#headLimit = Math.floor(maxBytes / 2);
    this.#tailLimit = maxBytes - this.#headLimit;
  }

  write(chunk: Buffer): void {
    this.#totalBytes += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headLimit) {
      const take = Math.min(rest.length, this.#headLimit - this.#headBytes);
      // Copy: a slice would keep the whole (possibly large, pooled) chunk alive.
      this.#head.push(Buffer.from(rest.subarray(0, take)));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length > 0 && this.#tailLimit > 0) this.#appendTail(rest);
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  finish(): CapturedOutput {
    const head = Buffer.concat(this.#head);
    const tail = this.#orderedTail();
    const dropped = this.#totalBytes - head.length - tail.length;
    if (dropped === 0) {
      // Decode in one piece so a character split between head and tail stays whole.
      return {
        text: storableText(Buffer.concat([head, tail])),
        truncated: false,
        totalBytes: this.#totalBytes,
      };
    }
    return {
      text: `${storableText(head)}${truncationMarker(dropped)}${storableText(tail)}`,
      truncated: true,
      totalBytes: this.#totalBytes,
    };
  }

  #appendTail(bytes: Buffer): void {
    const limit = this.#tailLimit;
    this.#tail ??= Buffer.alloc(limit);
    const ring = this.#tail;
    if (bytes.length >= limit) {
      bytes.copy(ring, 0, bytes.length - limit);
      this.#tailStart = 0;
      this.#tailBytes = limit;
      return;
    }
    // Write after the newest byte, wrapping around, and move the start past overwritten bytes.
    let writeAt = (this.#tailStart + this.#tailBytes) % limit;
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, limit - writeAt);
      bytes.copy(ring, writeAt, offset, offset + take);
      offset += take;
      writeAt = (writeAt + take) % limit;
    }
    const overflow = Math.max(0, this.#tailBytes + bytes.length - limit);
    this.#tailBytes = Math.min(limit, this.#tailBytes + bytes.length);
    this.#tailStart = (this.#tailStart + overflow) % limit;
  }

  #orderedTail(): Buffer {
    const ring = this.#tail;
    if (ring === null || this.#tailBytes === 0) return Buffer.alloc(0);
    const end = this.#tailStart + this.#tailBytes;
    if (end <= ring.length) return ring.subarray(this.#tailStart, end);
    return Buffer.concat([ring.subarray(this.#tailStart), ring.subarray(0, end - ring.length)]);
  }
}

/** The marker that replaces the dropped middle of a stream. */
export function truncationMarker(droppedBytes: number): string {
  return `\n[… ${formatBytes(droppedBytes)} of output truncated …]\n`;
}

/** `512 bytes`, `1.5 kB`, `98.1 MB`, `2.0 GB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? "TB"}`;
}

/**
 * Bytes as text that PostgreSQL's jsonb accepts: invalid UTF-8 (including a character cut at a
 * cap) becomes U+FFFD, and NUL characters, which jsonb refuses, are written as `\0`.
 */
export function storableText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes).replaceAll("\0", "\\0");
}
