import type { AlertFacts } from "./alert-facts.js";
import { escapeChatMarkdown, linkTarget } from "./markup.js";
import { fitMessage } from "./truncate.js";

/** How one vendor's markdown differs from another's. */
export interface ChatMarkdownStyle {
  /** WeCom breaks lines on `\n`; DingTalk needs a blank line between paragraphs. */
  lineBreak: string;
  /** WeCom colours text with `<font color="warning|info|comment">`; DingTalk has no colours. */
  colour: (text: string, tone: "warning" | "info" | "comment") => string;
  /** The vendor's limit of the markdown text, in UTF-8 bytes. */
  maxBytes: number;
  /** Appended to the text (DingTalk's `@13800000000`, which must appear in the text to notify). */
  trailer?: string;
}

/**
 * The markdown message of WeCom and DingTalk: a heading with the headline, the status line,
 * labelled fields, the summary, the error as a quote, the dashboard link. Everything from the
 * notification is escaped; only our own markup is live.
 */
export function chatMarkdown(facts: AlertFacts, severity: string, style: ChatMarkdownStyle): string {
  const render = (error: string): string => {
    const lines: string[] = [`### ${facts.prefix} ${escapeChatMarkdown(facts.title)}${facts.times}`];
    const status =
      facts.status === "RESOLVED" ? style.colour("RESOLVED", "info") : style.colour("FIRING", "warning");
    lines.push(
      `**${status}** · severity **${severity}**${facts.escalation === null ? "" : ` · ⬆ ${escapeChatMarkdown(facts.escalation)}`}`,
    );
    for (const field of facts.fields) lines.push(`**${field.label}:** ${escapeChatMarkdown(field.value)}`);
    if (facts.summary !== "") lines.push(style.colour(escapeChatMarkdown(facts.summary), "comment"));
    if (facts.error !== null) {
      lines.push("**Error:**");
      lines.push(
        escapeChatMarkdown(error)
          .split("\n")
          .map((line) => `> ${line}`)
          .join(style.lineBreak),
      );
    }
    if (facts.link !== null) lines.push(`[Open in the dashboard](${linkTarget(facts.link)})`);
    if (style.trailer !== undefined) lines.push(style.trailer);
    return lines.join(style.lineBreak);
  };
  return fitMessage(render, facts.error ?? "", style.maxBytes);
}
