import { ErrorCode, InvalidInputError } from "../../domain/errors.js";
import type { SqlClient } from "../../domain/task.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  enter: loadQuery("enter_application_transaction"),
  setSearchPath: loadQuery("set_search_path"),
};
const SAVEPOINT = "taskflow_enqueue";

/**
 * Runs `fn` on the application's own connection, inside the transaction it has open, so what
 * `fn` writes commits or rolls back with the application's own writes. TaskFlow's queries name
 * their tables without a schema, so for the duration of `fn` the search_path is set to TaskFlow's
 * schema, then put back as it was. All of it happens under a savepoint: a failure rolls back
 * `fn`'s writes and the search_path change alone, and leaves the application's transaction usable.
 * A connection that is not inside a transaction is refused (`SAVEPOINT` fails there), since the
 * enqueue would then commit on its own.
 */
export async function inApplicationTransaction<T>(
  tx: SqlClient,
  schema: string,
  fn: (client: SqlClient) => Promise<T>,
): Promise<T> {
  if (typeof tx?.query !== "function") {
    throw new InvalidInputError("tx must be a pg client (or pool client) inside an open transaction", {
      code: ErrorCode.InvalidOption,
      details: { option: "tx" },
    });
  }
  try {
    await tx.query(`SAVEPOINT ${SAVEPOINT}`);
  } catch (error) {
    throw new InvalidInputError(
      "tx is not inside a transaction: call BEGIN on it first (an enqueue outside one would commit on its own)",
      { code: ErrorCode.InvalidOption, details: { option: "tx" }, cause: error },
    );
  }
  try {
    const { rows } = await tx.query<{ search_path: string }>(SQL.enter, [`"${schema}"`]);
    const saved = rows[0]?.search_path ?? "";
    const value = await fn(tx);
    await tx.query(SQL.setSearchPath, [saved]);
    await tx.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return value;
  } catch (error) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).catch(() => undefined);
    throw error;
  }
}
