import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

const FIXTURES = new URL("./fixtures/", import.meta.url);
/** A self-signed certificate for localhost and 127.0.0.1, for test servers only. */
export const TEST_CERT = readFileSync(new URL("smtp-test-cert.pem", FIXTURES), "utf8");
export const TEST_KEY = readFileSync(new URL("smtp-test-key.pem", FIXTURES), "utf8");

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The login used, when the client authenticated. */
  user: string | null;
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  /** Logins attempted (user, password): to check a password never travelled. */
  logins: { user: string; password: string }[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1, port chosen by the system. */
export async function startSmtpReceiver(
  options: SMTPServerOptions & { login?: { user: string; password: string } },
): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const logins: { user: string; password: string }[] = [];
  let connections = 0;
  const { login, ...serverOptions } = options;
  const server = new SMTPServer({
    key: TEST_KEY,
    cert: TEST_CERT,
    logger: false,
    authOptional: login === undefined,
    ...serverOptions,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? "", password: auth.password ?? "" });
      if (login !== undefined && auth.username === login.user && auth.password === login.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
        mails.push({
          from,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : null,
          secure: session.secure,
        });
        callback();
      });
    },
  });
  // A client that drops the connection (it refused our certificate) is an expected event here.
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    logins,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The decoded parts of a received message, written from RFC 2045/2047 (no mail library). */
export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitEntity(raw);
  const subject = decodeWords(headers.get("subject") ?? "");
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get("content-type") ?? "")?.[1];
  const parts = boundary === undefined ? [raw] : body.split(`--${boundary}`).slice(1, -1);
  let text = "";
  let html = "";
  for (const part of parts) {
    const entity = splitEntity(part.replace(/^\r\n/, ""));
    const type = entity.headers.get("content-type") ?? "";
    const decoded = decodeBody(entity.body, entity.headers.get("content-transfer-encoding") ?? "7bit");
    if (type.startsWith("text/plain")) text = decoded;
    if (type.startsWith("text/html")) html = decoded;
  }
  return { headers, subject, text, html };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, end).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(end + 4) };
}

function decodeBody(body: string, encoding: string): string {
  const trimmed = body.replace(/\r\n$/, "");
  if (/quoted-printable/i.test(encoding)) {
    return quotedPrintable(trimmed.replace(/=\r\n/g, "")).replace(/\r\n/g, "\n");
  }
  if (/base64/i.test(encoding)) return Buffer.from(trimmed, "base64").toString("utf8").replace(/\r\n/g, "\n");
  return trimmed.replace(/\r\n/g, "\n");
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); whitespace between words is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) => {
      if (kind.toUpperCase() === "B") return Buffer.from(text, "base64").toString("utf8");
      return quotedPrintable(text.replace(/_/g, " "));
    });
}

/** `=XX` is a byte; anything else is itself. */
function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const hex = text.slice(index + 1, index + 3);
    if (text[index] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(text[index] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
