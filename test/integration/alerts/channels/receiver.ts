import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the stand-in receiver saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface Answer {
  status: number;
  body: string;
  contentType?: string;
  /** More response headers (`retry-after`, …). */
  headers?: Record<string, string>;
}

/** Answers a request; may stay pending (a receiver that never answers, for timeouts). */
export type Responder = (request: ReceivedRequest) => Answer | Promise<Answer>;

/** A real HTTP server on 127.0.0.1 standing in for a webhook receiver of some vendor. */
export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The allow-list entry that lets a channel reach it. */
  allowEntry: string;
  requests: ReceivedRequest[];
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

export async function startReceiver(responder: Responder): Promise<Receiver> {
  let current = responder;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(received);
      void Promise.resolve(current(received)).then((answer) => {
        res.writeHead(answer.status, {
          "content-type": answer.contentType ?? "application/json",
          ...answer.headers,
        });
        res.end(answer.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    allowEntry: `127.0.0.1:${port}`,
    requests,
    respondWith(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A responder that never answers: the stand-in for a receiver that hangs. */
export const neverAnswers: Responder = () => new Promise<Answer>(() => undefined);
