import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, StoreError } from "../../../domain/errors.js";

/**
 * The embedded database serves one process. Two processes opening the same folder would
 * corrupt it, so the folder is locked with a file holding the owner's pid; a lock left by a
 * process that no longer exists is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, "taskflow.lock");
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new StoreError(
          `the embedded database in ${dataDir} is in use by process ${owner}; it serves one process at a time. ` +
            "Stop that process, give this one another --data-dir, or run several processes on PostgreSQL (--database postgres://…)",
          { code: ErrorCode.DatabaseUnavailable, details: { dataDir, owner } },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StoreError(`could not lock the embedded database in ${dataDir}`, {
    code: ErrorCode.DatabaseUnavailable,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
