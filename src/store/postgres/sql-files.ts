import { readdirSync, readFileSync } from "node:fs";

const QUERIES = new URL("./queries/", import.meta.url);
const MIGRATIONS = new URL("./migrations/", import.meta.url);

/** The text of `queries/<name>.sql`, read once. */
export function loadQuery(name: string): string {
  return readFileSync(new URL(`${name}.sql`, QUERIES), "utf8");
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations `NNNN_name.sql`, in version order. */
export function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(new URL(file, MIGRATIONS), "utf8"),
    }));
}
