/**
 * A job's error text is written by whoever controls the job's target (an HTTP endpoint's error
 * page, a process's stderr), so templates treat it as hostile: it must not be able to mention
 * people (`<@U123>`, `<!channel>`), add links (`[Reset your password](http://evil)`) or markup.
 * Each escape makes text inert in one vendor's format.
 */

/** Slack mrkdwn: `&`, `<`, `>` are its only control characters (links, mentions are `<…>`). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Inside a Slack code block a backtick could close the block early; a look-alike cannot. */
export function slackCodeBlock(text: string): string {
  return `\`\`\`${escapeSlack(text).replace(/`/g, "ˋ")}\`\`\``;
}

/**
 * WeCom and DingTalk markdown: their dialects do not reliably honour backslash escapes and
 * both interpret some HTML (`<font>`, WeCom's `<@userid>` mentions), so the characters that
 * open links, images, tags, code and emphasis are replaced by full-width look-alikes, which
 * read the same to a person and mean nothing to the renderer.
 */
export function escapeChatMarkdown(text: string): string {
  return text.replace(/[<>[\]*`~]/g, (char) => FULL_WIDTH[char] ?? char).replace(/^(\s*)#/gm, "$1＃");
}

const FULL_WIDTH: Record<string, string> = {
  "<": "＜",
  ">": "＞",
  "[": "［",
  "]": "］",
  "*": "＊",
  "`": "ˋ",
  "~": "～",
};

/** HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * A link target safe inside markdown `(…)` and Slack `<…|…>`: the URL parser already encodes
 * spaces, quotes and angle brackets; parentheses and the pipe would still end the target early.
 */
export function linkTarget(href: string): string {
  return href.replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/\|/g, "%7C");
}
