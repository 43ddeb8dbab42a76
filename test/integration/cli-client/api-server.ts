import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { PermanentError } from "../../../src/domain/errors.js";
import { openApi, type ApiFixture } from "../../support/api-fixture.js";
import { backends } from "../../support/backends.js";

export interface ListeningApi extends ApiFixture {
  /** Where the API listens, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

/**
 * The REST API over a TaskFlow on PGlite, listening on a free local port, with the fixture's
 * tasks plus `doomed` (fails permanently, so its jobs go straight to the dead-letter queue).
 */
export async function listeningApi(): Promise<ListeningApi> {
  const api = await openApi(backends[0]!);
  api.tf.task("doomed", { run: () => Promise.reject(new PermanentError("the account is closed")) });
  await api.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = api.app.server.address() as AddressInfo;
  return Object.assign(api, { url: `http://127.0.0.1:${port}` });
}

/** A local port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
