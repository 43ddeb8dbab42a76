import type { AlertNotification } from "../notification.js";
import { alertFacts, plainText, type AlertFacts } from "./alert-facts.js";
import { escapeHtml } from "./markup.js";
import { truncateUtf8 } from "./truncate.js";

/** A mail has no vendor limit, but a 10 MB stack trace helps nobody and some relays refuse it. */
export const EMAIL_ERROR_MAX_BYTES = 64 * 1024;

export interface EmailMessage {
  /** `[P1] FIRING Job send-email went dead (3×)` */
  subject: string;
  text: string;
  html: string;
}

export function emailMessage(notification: AlertNotification): EmailMessage {
  const full = alertFacts(notification);
  const facts: AlertFacts = {
    ...full,
    error: full.error === null ? null : truncateUtf8(full.error, EMAIL_ERROR_MAX_BYTES),
  };
  return { subject: facts.headline, text: plainText(facts), html: emailHtml(facts) };
}

/**
 * A plain HTML body: a coloured heading, a table of fields, the error in <pre>, one link.
 * Everything from the notification is HTML-escaped; the only link is the dashboard's.
 */
function emailHtml(facts: AlertFacts): string {
  const colour = facts.status === "RESOLVED" ? "#1a7f37" : "#b42318";
  const parts: string[] = [`<h2 style="color:${colour};margin:0 0 8px">${escapeHtml(facts.headline)}</h2>`];
  if (facts.escalation !== null) parts.push(`<p><strong>⬆ ${escapeHtml(facts.escalation)}</strong></p>`);
  if (facts.summary !== "") parts.push(`<p>${escapeHtml(facts.summary).replace(/\n/g, "<br>")}</p>`);
  if (facts.fields.length > 0) {
    const rows = facts.fields.map(
      (field) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(field.label)}</th><td>${escapeHtml(field.value)}</td></tr>`,
    );
    parts.push(`<table style="border-collapse:collapse">${rows.join("")}</table>`);
  }
  if (facts.error !== null) {
    parts.push(
      `<h3 style="margin:16px 0 4px">Error</h3><pre style="white-space:pre-wrap;background:#f6f8fa;padding:8px">${escapeHtml(facts.error)}</pre>`,
    );
  }
  if (facts.link !== null) parts.push(`<p><a href="${escapeHtml(facts.link)}">Open in the dashboard</a></p>`);
  return `<!doctype html><html><body style="font-family:sans-serif">${parts.join("\n")}</body></html>`;
}
