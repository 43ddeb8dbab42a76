// faketime.ts — skews a child process's wall clock with Debian's libfaketime, preloaded into the
// node process itself (the `faketime` wrapper forks, so the pid a test kills would not be node's).
// The monotonic clock is left alone: node's timers keep real time, only Date.now() is shifted.
// A fixed skew is set with FAKETIME at spawn; a clock that jumps during the run reads its offset
// from a file the parent rewrites (FAKETIME_TIMESTAMP_FILE, re-read every second).
import { existsSync, readdirSync, writeFileSync } from "node:fs";
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

/** How often libfaketime re-reads the timestamp file, in seconds (its cache duration). */
export const CLOCK_FILE_REREAD_S = 1;

/** A child wall clock the parent moves during the run: an offset in seconds from real time. */
export class JumpingClock {
  constructor(
    readonly library: string,
    readonly file: string,
  ) {
    this.set(0);
  }

  /** The child sees it within CLOCK_FILE_REREAD_S. */
  set(offsetSeconds: number): void {
    writeFileSync(this.file, `${offsetSeconds >= 0 ? "+" : ""}${offsetSeconds}s\n`);
  }

  /** The environment of the child whose clock this is (FAKETIME itself must stay unset). */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_CACHE_DURATION: String(CLOCK_FILE_REREAD_S),
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
  }
}
