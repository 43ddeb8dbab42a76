import { describe, expect, it } from "vitest";
import { OutputCapture, formatBytes, storableText } from "../../../src/executors/output-capture.js";

function feed(capture: OutputCapture, text: string, chunkSize: number): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += chunkSize) capture.write(bytes.subarray(at, at + chunkSize));
}

describe("OutputCapture", () => {
  it("keeps everything under the cap", () => {
    const capture = new OutputCapture(100);
    feed(capture, "hello\nworld\n", 3);
    expect(capture.finish()).toEqual({ text: "hello\nworld\n", truncated: false, totalBytes: 12 });
  });

  it("keeps exactly the cap without a marker", () => {
    const capture = new OutputCapture(10);
    feed(capture, "0123456789", 4);
    expect(capture.finish()).toMatchObject({ text: "0123456789", truncated: false });
  });

  it("keeps the head and the tail and says how much was dropped in between", () => {
    for (const chunkSize of [1, 3, 7, 1000]) {
      const capture = new OutputCapture(10);
      feed(capture, "ABCDE" + "x".repeat(1990) + "VWXYZ", chunkSize);
      expect(capture.finish()).toEqual({
        text: "ABCDE\n[… 1.99 kB of output truncated …]\nVWXYZ".replace("1.99 kB", "2.0 kB"),
        truncated: true,
        totalBytes: 2000,
      });
    }
  });

  it("holds no more than its cap while 100 MB pass through", () => {
    const capture = new OutputCapture(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, "a");
    for (let i = 0; i < 1600; i++) capture.write(chunk);
    capture.write(Buffer.from("THE END"));
    const out = capture.finish();
    expect(out.truncated).toBe(true);
    expect(out.totalBytes).toBe(1600 * 64 * 1024 + 7);
    expect(out.text.endsWith("THE END")).toBe(true);
    expect(out.text).toContain("[… 103.8 MB of output truncated …]");
    expect(Buffer.byteLength(out.text)).toBeLessThan(1024 * 1024 + 100);
  });

  it("turns bytes jsonb refuses into storable text", () => {
    expect(storableText(Buffer.from([0x61, 0x00, 0x62]))).toBe("a\\0b");
    expect(storableText(Buffer.from([0x61, 0xe2, 0x82]))).toBe("a\uFFFD");
  });

  it("formats sizes in decimal units", () => {
    expect(formatBytes(999)).toBe("999 bytes");
    expect(formatBytes(98_100_000)).toBe("98.1 MB");
    expect(formatBytes(2_000_000_000)).toBe("2.0 GB");
  });
});
