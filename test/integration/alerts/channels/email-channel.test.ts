import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError, type ChannelConfig } from "../../../../src/alerts/notification.js";
import { aNotification, HOSTILE_ERROR } from "./notification-fixture.js";
import {
  parseMail,
  startSilentServer,
  startSmtpReceiver,
  TEST_CERT,
  type SmtpReceiver,
} from "./smtp-receiver.js";

const PASSWORD = "smtp-pa55word-xyz";
let server: SmtpReceiver | { close(): Promise<void> } | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Smtp = Extract<ChannelConfig, { type: "email" }>["smtp"];

function emailChannel(smtp: Smtp, timeoutMs = 5_000) {
  return createChannel(
    "ops-mail",
    {
      type: "email",
      smtp,
      from: "TaskFlow <alerts@example.com>",
      to: ["oncall@example.com", "lead@example.com"],
    },
    // The test servers are on loopback: allowed by name and by address, as a user would.
    { timeoutMs, allow: [`127.0.0.1:${smtp.port}`, `localhost:${smtp.port}`] },
  );
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("email channel", () => {
  it("delivers to every recipient with the subject, a plain-text and an HTML body", async () => {
    const smtp = await startSmtpReceiver({ disabledCommands: ["STARTTLS", "AUTH"] });
    server = smtp;
    const channel = emailChannel({ host: "127.0.0.1", port: smtp.port });
    const report = await channel.send(aNotification({ escalatedFrom: "P2" }), AbortSignal.timeout(10_000));
    expect(report.status).toBe(250);

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.from).toBe("alerts@example.com");
    expect(mail?.to).toEqual(["oncall@example.com", "lead@example.com"]);
    expect(mail?.secure).toBe(false);
    const parsed = parseMail(mail?.raw ?? "");
    expect(parsed.subject).toBe("[P1] FIRING ESCALATED Job send-email went dead (3×)");
    expect(parsed.headers.get("x-taskflow-delivery")).toBe("ntf_01HZX3");
    expect(parsed.text).toContain("[P1] FIRING ESCALATED Job send-email went dead (3×)\n(escalated from P2)");
    for (const line of [
      "Task: send-email",
      "Schedule: nightly-digest",
      "Queue: default",
      "Attempt: 3",
      "Events: 3, first 2026-12-06 03:00:00 UTC, last 2026-12-06 03:04:30 UTC",
      "Error:\nSMTP connection refused (ECONNREFUSED 10.0.0.5:25)",
      "Open in the dashboard: https://taskflow.example.com/dashboard/jobs/job_42",
    ]) {
      expect(parsed.text).toContain(line);
    }
    expect(parsed.html).toContain(
      '<th align="left" style="padding:2px 12px 2px 0">Task</th><td>send-email</td>',
    );
    expect(parsed.html).toContain(
      '<a href="https://taskflow.example.com/dashboard/jobs/job_42">Open in the dashboard</a>',
    );
  });

  it("escapes a hostile error in the HTML body: no tag or link of it is live", async () => {
    const smtp = await startSmtpReceiver({ disabledCommands: ["STARTTLS", "AUTH"] });
    server = smtp;
    const channel = emailChannel({ host: "127.0.0.1", port: smtp.port });
    await channel.send(
      aNotification({ title: "Job <b>x</b>", subject: { ...aNotification().subject, error: HOSTILE_ERROR } }),
      AbortSignal.timeout(10_000),
    );
    const { html, text, subject } = parseMail(smtp.mails[0]?.raw ?? "");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;@U123&gt;");
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(text).toContain(HOSTILE_ERROR);
    expect(subject).toBe("[P1] FIRING Job <b>x</b> (3×)");
  });

  it("logs in when the server asks, over a connection it allowed in clear (requireTLS: false)", async () => {
    const smtp = await startSmtpReceiver({
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      login: { user: "taskflow", password: PASSWORD },
    });
    server = smtp;
    const channel = emailChannel({
      host: "127.0.0.1",
      port: smtp.port,
      user: "taskflow",
      password: PASSWORD,
      requireTLS: false,
    });
    await channel.send(aNotification(), AbortSignal.timeout(10_000));
    expect(smtp.mails.map((mail) => mail.user)).toEqual(["taskflow"]);
  });

  it("never sends a password in clear by default: no STARTTLS, no login, a final failure", async () => {
    const smtp = await startSmtpReceiver({
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      login: { user: "taskflow", password: PASSWORD },
    });
    server = smtp;
    const channel = emailChannel({
      host: "127.0.0.1",
      port: smtp.port,
      user: "taskflow",
      password: PASSWORD,
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("STARTTLS");
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });

  it("upgrades with STARTTLS and logs in, trusting the configured CA", async () => {
    const smtp = await startSmtpReceiver({ login: { user: "taskflow", password: PASSWORD } });
    server = smtp;
    const channel = emailChannel({
      host: "localhost",
      port: smtp.port,
      user: "taskflow",
      password: PASSWORD,
      ca: TEST_CERT,
    });
    await channel.send(aNotification(), AbortSignal.timeout(10_000));
    expect(smtp.mails.map((mail) => [mail.user, mail.secure])).toEqual([["taskflow", true]]);
  });

  it("speaks TLS from the start with secure: true", async () => {
    const smtp = await startSmtpReceiver({ secure: true, disabledCommands: ["AUTH"] });
    server = smtp;
    const channel = emailChannel({ host: "localhost", port: smtp.port, secure: true, ca: TEST_CERT });
    await channel.send(aNotification(), AbortSignal.timeout(10_000));
    expect(smtp.mails.map((mail) => mail.secure)).toEqual([true]);
  });

  it("refuses a server whose certificate it cannot trust, without retry", async () => {
    const smtp = await startSmtpReceiver({ secure: true, disabledCommands: ["AUTH"] });
    server = smtp;
    const channel = emailChannel({ host: "localhost", port: smtp.port, secure: true });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("certificate");
    expect(smtp.mails).toEqual([]);
  });

  it("fails without retry on a wrong password, and keeps the password out of the error", async () => {
    const smtp = await startSmtpReceiver({ login: { user: "taskflow", password: "the-right-one" } });
    server = smtp;
    const channel = emailChannel({
      host: "localhost",
      port: smtp.port,
      user: "taskflow",
      password: PASSWORD,
      ca: TEST_CERT,
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect(error.retryable).toBe(false);
    expect(error.report.status).toBe(535);
    expect(`${error.message} ${error.report.detail}`).not.toContain(PASSWORD);
  });

  it("retries a temporary refusal (4xx) but not a permanent one (5xx)", async () => {
    let reply = 451;
    const smtp = await startSmtpReceiver({
      disabledCommands: ["STARTTLS", "AUTH"],
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("not now"), { responseCode: reply }));
      },
    });
    server = smtp;
    const channel = emailChannel({ host: "127.0.0.1", port: smtp.port });
    const later = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([later.retryable, later.report.status]).toEqual([true, 451]);
    reply = 550;
    const never = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([never.retryable, never.report.status]).toEqual([false, 550]);
  });

  it("delivers to the recipients the server accepts, and names those it refused", async () => {
    const smtp = await startSmtpReceiver({
      disabledCommands: ["STARTTLS", "AUTH"],
      onRcptTo(address, _session, callback) {
        if (address.address === "lead@example.com") {
          callback(Object.assign(new Error("no such user"), { responseCode: 550 }));
        } else {
          callback();
        }
      },
    });
    server = smtp;
    const report = await emailChannel({ host: "127.0.0.1", port: smtp.port }).send(
      aNotification(),
      AbortSignal.timeout(10_000),
    );
    expect(smtp.mails.map((mail) => mail.to)).toEqual([["oncall@example.com"]]);
    expect(report.status).toBe(250);
    expect(report.detail).toContain("refused recipients: lead@example.com");
  });

  it("times out against a server that never greets, as a retryable failure", async () => {
    const silent = await startSilentServer();
    server = silent;
    const channel = emailChannel({ host: "127.0.0.1", port: silent.port }, 300);
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect(error.retryable).toBe(true);
    expect(error.code).toBe(ChannelErrorCode.Timeout);
  });

  it("stops when the caller's signal aborts", async () => {
    const silent = await startSilentServer();
    server = silent;
    const channel = emailChannel({ host: "127.0.0.1", port: silent.port }, 60_000);
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(200)));
    expect([error.retryable, error.code]).toEqual([true, ChannelErrorCode.Timeout]);
    expect(error.report.detail).toMatch(/^aborted: /);
  });

  it("refuses a loopback SMTP server that is not allow-listed, before connecting", async () => {
    const smtp = await startSmtpReceiver({ disabledCommands: ["STARTTLS", "AUTH"] });
    server = smtp;
    const channel = createChannel("m", {
      type: "email",
      smtp: { host: "localhost", port: smtp.port },
      from: "alerts@example.com",
      to: ["oncall@example.com"],
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.TargetForbidden]);
    expect(error.message).toContain(`"localhost:${smtp.port}"`);
    expect(smtp.connections()).toBe(0);
  });

  it("reports a refused connection as retryable", async () => {
    const silent = await startSilentServer();
    const { port } = silent;
    await silent.close();
    const channel = emailChannel({ host: "127.0.0.1", port });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([error.retryable, error.code]).toEqual([true, ChannelErrorCode.Network]);
  });
});
