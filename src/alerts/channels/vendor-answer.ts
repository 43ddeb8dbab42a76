import type { DeliveryReport } from "../notification.js";
import { ChannelDeliveryFailure, ChannelErrorCode, shortDetail } from "./channel-errors.js";
import type { ReceiverAnswer } from "./channel-http.js";

/**
 * WeCom, DingTalk and Feishu answer HTTP 200 even when they refuse a message: the verdict is
 * a code in the JSON body (`errcode` or `code`, 0 for success). A non-zero code is a failure;
 * only the vendor's "too many messages" / "system busy" codes are worth retrying, the rest
 * (bad key, bad signature, keyword or IP not allowed, bad message) need a person.
 */
export interface VendorCodes {
  /** `errcode` (WeCom, DingTalk) or `code` (Feishu). */
  codeField: string;
  /** `errmsg` or `msg`. */
  messageField: string;
  rateLimited: readonly number[];
  /** Transient vendor failures other than rate limiting (`-1` system busy). */
  transient: readonly number[];
}

export function checkVendorAnswer(label: string, answer: ReceiverAnswer, codes: VendorCodes): DeliveryReport {
  const parsed = parseJson(answer.body);
  const code = parsed?.[codes.codeField];
  if (typeof code !== "number") {
    // A 200 without the vendor's verdict is not the vendor (a proxy, a login page): the URL is wrong.
    throw new ChannelDeliveryFailure(
      `${label}: the receiver answered ${answer.status} without a ${codes.codeField}; is the URL the robot's webhook URL? Answer: ${shortDetail(answer.body, 200)}`,
      { status: answer.status, detail: shortDetail(`no ${codes.codeField} in answer: ${answer.body}`) },
      false,
      ChannelErrorCode.VendorError,
    );
  }
  const message = typeof parsed?.[codes.messageField] === "string" ? String(parsed[codes.messageField]) : "";
  const detail = shortDetail(`${codes.codeField} ${code}${message === "" ? "" : `: ${message}`}`);
  if (code === 0) return { status: answer.status, detail };
  const rateLimited = codes.rateLimited.includes(code);
  throw new ChannelDeliveryFailure(
    `${label}: the message was refused (${detail})`,
    { status: answer.status, detail },
    rateLimited || codes.transient.includes(code),
    rateLimited ? ChannelErrorCode.RateLimited : ChannelErrorCode.VendorError,
  );
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
