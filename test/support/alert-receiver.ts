import { createHmac, timingSafeEqual } from "node:crypto";
import {
  startReceiver,
  type Answer,
  type ReceivedRequest,
  type Receiver,
} from "../integration/alerts/channels/receiver.js";

export const WEBHOOK_SECRET = "whsec_alert_engine_tests";

/** A notification a receiver accepted, as the generic webhook sent it. */
export interface ReceivedAlert {
  id: string;
  status: "firing" | "resolved";
  severity: string;
  escalatedFrom: string | null;
  rule: string;
  groupKey: string;
  title: string;
  count: number;
  subject: { task: string | null; jobId: string | null; error: string | null };
  labels: Record<string, string>;
}

/**
 * A real webhook receiver on 127.0.0.1 that checks each request's HMAC signature the way a
 * user's receiver would (a request with a bad signature is answered 401 and not accepted), and
 * answers with what the test scripts (200 by default).
 */
export interface AlertReceiver {
  receiver: Receiver;
  /** Notifications answered 2xx, in arrival order. */
  accepted: ReceivedAlert[];
  /** Every request, whatever the answer. */
  requests: ReceivedRequest[];
  /** Channel settings pointing at this receiver. */
  channel: { type: "webhook"; url: string; secret: string };
  allow: string[];
  /** The answers to give next, in order; then 200. A function may hold the answer. */
  script(...answers: (Answer | (() => Promise<Answer>))[]): void;
  close(): Promise<void>;
}

export async function startAlertReceiver(path = "/hook"): Promise<AlertReceiver> {
  const accepted: ReceivedAlert[] = [];
  const queue: (Answer | (() => Promise<Answer>))[] = [];
  const receiver = await startReceiver(async (request) => {
    if (!validSignature(request)) return { status: 401, body: '{"error":"bad signature"}' };
    const next = queue.shift();
    const answer =
      next === undefined ? { status: 200, body: "{}" } : typeof next === "function" ? await next() : next;
    if (answer.status >= 200 && answer.status < 300) accepted.push(JSON.parse(request.body) as ReceivedAlert);
    return answer;
  });
  return {
    receiver,
    accepted,
    requests: receiver.requests,
    channel: { type: "webhook", url: `${receiver.origin}${path}`, secret: WEBHOOK_SECRET },
    allow: [receiver.allowEntry],
    script: (...answers) => queue.push(...answers),
    close: () => receiver.close(),
  };
}

function validSignature(request: ReceivedRequest): boolean {
  const timestamp = request.headers["x-taskflow-timestamp"];
  const signature = request.headers["x-taskflow-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string") return false;
  const expected = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(`${timestamp}.${request.body}`).digest("hex")}`;
  return (
    expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
  );
}
