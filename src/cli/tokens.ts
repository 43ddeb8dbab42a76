import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { userInfo } from "node:os";
import { Option, type Command } from "commander";
import { TokenService } from "../auth/token-service.js";
import { ErrorCode, StoreError } from "../domain/errors.js";
import { DEFAULT_DATA_DIR } from "../store/open-store.js";
import { TaskFlow } from "../taskflow.js";
import type { TokenDoc } from "./api-types.js";
import { clientContext, verb, withClientFlags, type ClientFlags } from "./client-flags.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { outputOf, type Output } from "./output.js";
import { describeStore, storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

interface CreateFlags extends ClientFlags, StoreFlags {
  label: string;
  role: string;
  local?: boolean;
}

const ROLES = ["viewer", "operator", "admin"];

/** `taskflow tokens create | ls | revoke`: API tokens (admin role), and a local recovery path. */
export function registerTokens(program: Command): void {
  const tokens = program
    .command("tokens")
    .description("create, list and revoke API tokens (admin role)")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow tokens create --label ci --role operator
  $ taskflow tokens ls
  $ taskflow tokens revoke k3v9x2mqa7cd`,
    );

  const create = tokens
    .command("create")
    .description("create an API token; it is printed once, on stdout, and cannot be shown again")
    .requiredOption("--label <label>", "what the token is for, e.g. 'deploy pipeline'")
    .addOption(new Option("--role <role>", "what it may do").choices(ROLES).makeOptionMandatory())
    .option("--local", "write to the database directly instead of the API (when no admin token is at hand)");
  withClientFlags(withStoreFlags(create))
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow tokens create --label ci --role operator
  $ export TASKFLOW_TOKEN=$(taskflow tokens create --label laptop --role viewer)
  $ taskflow tokens create --local --data-dir ./.taskflow/data --role admin --label recovery

--local opens the store itself (--database, --data-dir, --schema; $DATABASE_URL) with no token
needed. On the embedded database, stop the service first: the running process holds it, and
the command fails with DATABASE_UNAVAILABLE until it stops.`,
    )
    .action(verb((flags: CreateFlags, command: Command) => createToken(flags, command)));

  withClientFlags(tokens.command("ls"))
    .description("every token (never its secret), revoked ones included")
    .addHelpText("after", "\nExample:\n  $ taskflow tokens ls")
    .action(
      verb(async (flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const page = await api.get<{ items: TokenDoc[] }>("api/v1/tokens");
        if (json) return out.json(page);
        printTokens(out, page.items);
      }),
    );

  withClientFlags(tokens.command("revoke"))
    .description("revoke a token, at once on every node")
    .argument("<id>", "the token's id (the part after tf_, as `tokens ls` shows it)")
    .addHelpText("after", "\nExample:\n  $ taskflow tokens revoke k3v9x2mqa7cd")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const token = await api.delete<TokenDoc>(`api/v1/tokens/${encodeURIComponent(id)}`);
        if (json) return out.json(token);
        out.line(`revoked token ${token.id} (${token.label}, ${token.role})`);
      }),
    );
}

async function createToken(flags: CreateFlags, command: Command): Promise<void> {
  const storeFlagGiven = ["database", "dataDir", "schema"].find(
    (name) => command.getOptionValueSource(name) === "cli",
  );
  if (flags.local !== true && storeFlagGiven !== undefined) {
    throw new CliError(
      ErrorCode.InvalidOption,
      "--database, --data-dir and --schema apply only with --local (otherwise the token is created through the API at --url)",
      ExitCode.InvalidInput,
      { option: storeFlagGiven },
    );
  }
  const created =
    flags.local === true
      ? await createLocally(flags)
      : await clientContext(flags).api.post<TokenDoc & { token: string }>("api/v1/tokens", {
          label: flags.label,
          role: flags.role,
        });
  const out = outputOf(flags);
  if (flags.json === true) out.json(created);
  else out.line(created.token);
  console.error(
    `created ${created.role} token ${created.id} (${created.label}). It cannot be shown again: store it now, ` +
      "e.g. in TASKFLOW_TOKEN",
  );
}

/** The recovery path: the store opened directly, the change recorded as made by `cli:<user>`. */
async function createLocally(flags: CreateFlags): Promise<TokenDoc & { token: string }> {
  const options = storeOptions(flags);
  const embedded = options.database === undefined || options.database === "";
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  if (embedded && !dataDir.startsWith("memory://") && !existsSync(join(resolve(dataDir), "PG_VERSION"))) {
    throw new CliError(
      ErrorCode.InvalidOption,
      `there is no embedded database in ${resolve(dataDir)}: pass the --data-dir the service uses, or --database for PostgreSQL`,
      ExitCode.InvalidInput,
      { option: "data-dir" },
    );
  }
  let tf: TaskFlow;
  try {
    tf = await TaskFlow.create({ ...options, logger: "silent" });
  } catch (error) {
    if (embedded && error instanceof StoreError && error.code === ErrorCode.DatabaseUnavailable)
      console.error("hint: stop the running service first: it holds the embedded database while it runs");
    throw error;
  }
  try {
    const tokens = new TokenService(tf.store.access, tf.clock);
    const { token, record } = await tokens.create({ label: flags.label, role: flags.role, actor: actor() });
    console.error(`on ${describeStore(options)}`);
    return { ...(JSON.parse(JSON.stringify(record)) as TokenDoc), token };
  } finally {
    await tf.stop();
  }
}

function actor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
  return `cli:${name}`;
}

function printTokens(out: Output, tokens: TokenDoc[]): void {
  if (tokens.length === 0) return out.line("no tokens");
  out.table(
    [
      { header: "ID" },
      { header: "LABEL", max: 40, flex: true },
      { header: "ROLE" },
      { header: "STATUS" },
      { header: "CREATED" },
      { header: "CREATED BY", max: 40, flex: true },
      { header: "LAST USED" },
    ],
    tokens.map((t) => [
      t.id,
      t.label,
      t.role,
      t.revokedAt === null ? { text: "active", colour: "green" } : { text: "revoked", colour: "red" },
      out.age(t.createdAt),
      t.createdBy,
      out.age(t.lastUsedAt),
    ]),
  );
}
