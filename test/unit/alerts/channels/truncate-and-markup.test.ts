import { describe, expect, it } from "vitest";
import {
  escapeChatMarkdown,
  escapeHtml,
  escapeSlack,
  linkTarget,
} from "../../../../src/alerts/channels/markup.js";
import {
  TRUNCATION_MARK,
  fitMessage,
  truncateChars,
  truncateUtf8,
  utf8Length,
} from "../../../../src/alerts/channels/truncate.js";

describe("truncation", () => {
  it("leaves text within the limit alone", () => {
    expect(truncateUtf8("short", 10)).toBe("short");
    expect(truncateChars("short", 5)).toBe("short");
  });

  it("cuts UTF-8 on whole characters and marks the cut", () => {
    const text = "失败".repeat(100); // 3 bytes each
    const cut = truncateUtf8(text, 100);
    expect(utf8Length(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(cut).not.toContain("\uFFFD");
    expect(Buffer.from(cut, "utf8").toString("utf8")).toBe(cut);
  });

  it("never splits a surrogate pair", () => {
    const text = "𝒳".repeat(50);
    const bytes = truncateUtf8(text, 30);
    expect(bytes).toMatch(/^(𝒳)*… \(truncated\)$/u);
    const chars = truncateChars(`a${text}`, 20);
    expect(chars).toMatch(/^a(𝒳)*… \(truncated\)$/u);
  });

  it("shortens only the variable part while the rest fits", () => {
    const render = (error: string) => `HEADER\n${escapeChatMarkdown(error)}\nFOOTER`;
    const fitted = fitMessage(render, "<".repeat(5_000), 1_000);
    expect(utf8Length(fitted)).toBeLessThanOrEqual(1_000);
    expect(fitted.startsWith("HEADER\n")).toBe(true);
    expect(fitted.endsWith(`${TRUNCATION_MARK}\nFOOTER`)).toBe(true);
  });
});

describe("markup escaping", () => {
  const hostile = "<@U123> <!channel> [x](http://evil) <script>alert(1)</script> *b* `c` &amp;";

  it("makes Slack mrkdwn show mentions and links as written", () => {
    expect(escapeSlack(hostile)).toBe(
      "&lt;@U123&gt; &lt;!channel&gt; [x](http://evil) &lt;script&gt;alert(1)&lt;/script&gt; *b* `c` &amp;amp;",
    );
  });

  it("replaces the markdown control characters of WeCom/DingTalk by look-alikes", () => {
    const escaped = escapeChatMarkdown(`${hostile}\n# heading`);
    expect(escaped).not.toMatch(/[<>[\]*`]/);
    expect(escaped).toContain("＜@U123＞");
    expect(escaped).toContain("［x］(http://evil)");
    expect(escaped).toContain("\n＃ heading");
  });

  it("escapes HTML", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("keeps a link target from closing markdown or Slack link syntax", () => {
    expect(linkTarget("https://x.example/a_(b)|c")).toBe("https://x.example/a_%28b%29%7Cc");
  });
});
