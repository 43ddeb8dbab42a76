// The dashboard's first load stays small: the JavaScript a browser fetches before the first
// paint (the entry scripts of index.html and the chunks it preloads) is under 250 KB gzipped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BUILT = fileURLToPath(new URL("../../dist/dashboard", import.meta.url));
const BUDGET_BYTES = 250 * 1000;

/** The same-origin URLs of `<script src>` and `<link rel="modulepreload" href>` in the page. */
function initialScripts(html: string): string[] {
  const urls = new Set<string>();
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/gi)) {
    const isScript = /^<script/i.test(tag);
    if (!isScript && !/\brel=["']?modulepreload\b/i.test(tag)) continue;
    const url = new RegExp(`\\b${isScript ? "src" : "href"}=["']?([^"' >]+)`, "i").exec(tag)?.[1];
    if (url !== undefined) urls.add(url);
  }
  return [...urls];
}

describe("the built dashboard", () => {
  it("loads under 250 KB of gzipped JavaScript on its first page", () => {
    const html = readFileSync(join(BUILT, "index.html"), "utf8");
    const scripts = initialScripts(html);
    expect(scripts.length).toBeGreaterThan(0);
    let total = 0;
    const lines: string[] = [];
    for (const url of scripts) {
      expect(url, "scripts come from this origin's /assets/").toMatch(/^\/assets\/[A-Za-z0-9_.-]+\.js$/);
      const body = readFileSync(join(BUILT, url));
      const gzipped = gzipSync(body, { level: 9 }).length;
      total += gzipped;
      lines.push(
        `  ${url}: ${(body.length / 1000).toFixed(1)} KB, ${(gzipped / 1000).toFixed(1)} KB gzipped`,
      );
    }
    console.log(
      `dashboard initial JavaScript: ${(total / 1000).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1000} KB)\n${lines.join("\n")}`,
    );
    expect(total).toBeLessThan(BUDGET_BYTES);
  });
});
