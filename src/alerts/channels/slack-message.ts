import type { AlertNotification } from "../notification.js";
import { alertFacts } from "./alert-facts.js";
import { escapeSlack, linkTarget, slackCodeBlock } from "./markup.js";
import { fitMessage, truncateChars } from "./truncate.js";

// Slack's limits (Block Kit reference): a section's text 3000 characters, a header 150, a
// field 2000 and at most 10 fields, a button URL 3000. Over a limit Slack refuses the message.
const SECTION_MAX = 3000;
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
const URL_MAX = 3000;

export interface SlackMessage {
  /** The notification text (phones, screen readers): the headline. */
  text: string;
  blocks: unknown[];
}

/** An incoming-webhook message: a header, status line, fields, summary, the error, a button. */
export function slackMessage(notification: AlertNotification): SlackMessage {
  const facts = alertFacts(notification);
  const icon = facts.status === "RESOLVED" ? "✅" : notification.severity === "P0" ? "🚨" : "🔴";
  const blocks: unknown[] = [
    {
      type: "header",
      // plain_text: nothing in it is interpreted, so it needs no escaping.
      text: { type: "plain_text", text: truncateChars(`${icon} ${facts.headline}`, HEADER_MAX), emoji: true },
    },
    section(
      `*${facts.status}* · severity *${notification.severity}*` +
        (facts.escalation === null ? "" : ` · ⬆ ${escapeSlack(facts.escalation)}`) +
        `\n${escapeSlack(facts.title)}`,
    ),
  ];
  if (facts.fields.length > 0) {
    blocks.push({
      type: "section",
      fields: facts.fields.slice(0, FIELDS_MAX).map((field) => ({
        type: "mrkdwn",
        text: truncateChars(`*${field.label}*\n${escapeSlack(field.value)}`, FIELD_MAX),
      })),
    });
  }
  if (facts.summary !== "") blocks.push(section(escapeSlack(facts.summary)));
  if (facts.error !== null) {
    const error = facts.error;
    blocks.push(
      section(
        fitMessage(
          (text) => `*Error*\n${slackCodeBlock(text)}`,
          error,
          SECTION_MAX,
          (t) => t.length,
        ),
      ),
    );
  }
  if (facts.link !== null && facts.link.length <= URL_MAX) {
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: "Open in the dashboard" },
          url: linkTarget(facts.link),
        },
      ],
    });
  }
  return { text: escapeSlack(facts.headline), blocks };
}

function section(text: string) {
  return { type: "section", text: { type: "mrkdwn", text: truncateChars(text, SECTION_MAX) } };
}
