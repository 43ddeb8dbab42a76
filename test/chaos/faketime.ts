// faketime.ts — skews a child process's wall clock with Debian's libfaketime, preloaded into the
// node process itself (the `faketime` wrapper forks, so the pid a test kills would not be node's).
// The monotonic clock is left alone: node's timers keep real time, only Date.now() is shifted.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The thread-safe build first: node runs several threads. */
const LIBRARIES = ["libfaketimeMT.so.1", "libfaketime.so.1"];

function libraryDirectories(): string[] {
  const multiarch = existsSync("/usr/lib")
    ? readdirSync("/usr/lib")
        .filter((name) => name.endsWith("-linux-gnu"))
        .map((name) => join("/usr/lib", name, "faketime"))
    : [];
  return [...multiarch, "/usr/lib/faketime", "/usr/local/lib/faketime"];
}

/** The path of libfaketime, or an error saying how to install it. */
export function findLibfaketime(): string {
  const directories = libraryDirectories();
  for (const directory of directories)
    for (const library of LIBRARIES) {
      const path = join(directory, library);
      if (existsSync(path)) return path;
    }
  throw new Error(
    `the skewed-clock test needs libfaketime, which is not installed (looked for ${LIBRARIES.join(" or ")} ` +
      `in ${directories.join(", ")}): install Debian's faketime package (apt-get install -y faketime)`,
  );
}

/** Environment that runs a child with its wall clock shifted by `offset` (libfaketime syntax, e.g. "+30s"). */
export function skewedClockEnv(library: string, offset: string): Record<string, string> {
  return { LD_PRELOAD: library, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}
