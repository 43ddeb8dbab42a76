import type { Command } from "commander";
import type { StoreOptions } from "../store/open-store.js";

export interface StoreFlags {
  database?: string;
  dataDir?: string;
  schema?: string;
}

/** Adds the flags that choose the store; `DATABASE_URL` is the default of --database. */
export function withStoreFlags(command: Command): Command {
  return command
    .option("--database <url>", "PostgreSQL URL (default: $DATABASE_URL, else the embedded database)")
    .option("--data-dir <dir>", "folder of the embedded database", "./.taskflow/data")
    .option("--schema <name>", "PostgreSQL schema for TaskFlow's tables", "taskflow");
}

export function storeOptions(flags: StoreFlags): StoreOptions {
  const database = flags.database ?? process.env.DATABASE_URL;
  return { database, dataDir: flags.dataDir, schema: flags.schema };
}

export { describeStore } from "../store/open-store.js";
