import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "pino";
import { canonicalJson } from "../domain/canonical-json.js";
import type { Clock, Timer } from "../time/clock.js";
import { SystemClock } from "../time/system-clock.js";
import type { TaskFlow } from "../taskflow.js";
import { applyConfigSchedules, describeSync, type ScheduleSync } from "./apply-schedules.js";
import { configProblemsOf, formatProblem } from "./config-problems.js";
import { parseConfig, readConfigText } from "./load-config.js";
import type { ServiceConfig } from "./service-config.js";

export interface WatchConfigOptions {
  /** Called with each new valid configuration, one call at a time. */
  onReload(config: ServiceConfig): Promise<void> | void;
  /** Called when the file changed but is not valid; the running configuration stays. */
  onInvalid(error: Error): void;
  logger: Logger;
  /** Quiet time after the last change before the file is read. @defaultValue 200 */
  debounceMs?: number;
  /** Variables for `${VAR}`. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Times the debounce. @defaultValue the system clock */
  clock?: Clock;
}

export interface ConfigWatcher {
  /** Stops watching; waits for a reload in progress. */
  close(): Promise<void>;
}

/**
 * Watches a taskflow.yaml and reports each valid new version. It watches the file's folder,
 * not the file: editors save by writing a new file and renaming it over the old one, which a
 * watch on the file itself stops seeing. Changes are debounced, then the file is read and
 * checked; a version with the same text as the last one read is ignored, and a read during
 * which the file changed (a save under way) is dropped and made again after the quiet time. A
 * file that disappears (or is unreadable) counts as invalid, reported once: the running
 * configuration stays.
 */
export function watchConfig(path: string, options: WatchConfigOptions): ConfigWatcher {
  const sourcePath = resolve(path);
  const fileName = basename(sourcePath);
  const clock = options.clock ?? new SystemClock();
  const debounceMs = options.debounceMs ?? 200;
  const log = options.logger;
  let lastText: string | undefined;
  /** Why the file could not be read last time: a second reload that finds it so says nothing new. */
  let lastReadError: string | undefined;
  let timer: Timer | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const reload = async (): Promise<void> => {
    let text: string;
    try {
      const before = await fileVersion(sourcePath);
      text = await readConfigText(sourcePath);
      // A save under way while the file was read (truncated, half written) may have been read
      // torn: leave it to the reload that save's change arms, after its quiet time.
      if (timer !== null || (await fileVersion(sourcePath)) !== before) {
        changed();
        return;
      }
    } catch (error) {
      lastText = undefined;
      // Two reloads can both find a deleted file (one in flight when it went): report it once.
      if ((error as Error).message === lastReadError) return;
      lastReadError = (error as Error).message;
      reportInvalid(error as Error);
      return;
    }
    lastReadError = undefined;
    if (text === lastText) return;
    lastText = text;
    let config: ServiceConfig;
    try {
      config = parseConfig(text, sourcePath, options.env ?? process.env);
    } catch (error) {
      reportInvalid(error as Error);
      return;
    }
    try {
      await options.onReload(config);
    } catch (error) {
      // Not applied (the database was down, say): the next save of the same text retries.
      lastText = undefined;
      throw error;
    }
  };

  const reportInvalid = (error: Error): void => {
    const problems = configProblemsOf(error).map((problem) => formatProblem(fileName, problem));
    log.error(
      { err: error, file: sourcePath, problems },
      "the configuration file changed but is not valid; the running configuration is kept",
    );
    options.onInvalid(error);
  };

  // One reload at a time; a change during a reload triggers one more afterwards.
  const run = (): void => {
    timer = null;
    if (closed) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = reload()
      .catch((error: unknown) =>
        log.error({ err: error, file: sourcePath }, "reloading the configuration failed"),
      )
      .finally(() => {
        running = null;
        if (again && !closed) {
          again = false;
          run();
        }
      });
  };

  const changed = (): void => {
    if (closed) return;
    timer?.cancel();
    timer = clock.setTimer(clock.now() + debounceMs, run);
  };

  const watcher: FSWatcher = watch(dirname(sourcePath), { persistent: false }, (_event, name) => {
    // Some platforms give no name: then any change in the folder may be the file's.
    if (name === null || name === fileName) changed();
  });
  watcher.on("error", (error) =>
    log.error({ err: error, file: sourcePath }, "watching the configuration file failed"),
  );

  return {
    async close() {
      closed = true;
      timer?.cancel();
      watcher.close();
      await running;
    },
  };
}

/** Sections a running node reads at start only. */
const RESTART_SECTIONS = [
  "database",
  "dataDir",
  "schema",
  "server",
  "worker",
  "retention",
  "executors",
  "taskDefaults",
  "alerts",
  "tasks",
] as const;

/** Optional observers of a service node's hot reload (the REST API can show the last outcome). */
export interface ConfigReloadHooks {
  /** After a new version's schedules and calendars were applied. */
  onApplied?(sync: ScheduleSync, config: ServiceConfig): void;
  /** A new version was refused; the node keeps running the previous one. */
  onInvalid?(error: Error): void;
  /** @defaultValue 200 */
  debounceMs?: number;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Hot reload for a service node: each valid new version of the file has its schedules and
 * calendars applied at once; changes to sections read at start (tasks, server, executors,
 * database…) are logged as needing a restart. An invalid version changes nothing.
 */
export function startConfigReload(
  tf: TaskFlow,
  path: string,
  currentConfig: ServiceConfig,
  logger: Logger,
  hooks: ConfigReloadHooks = {},
): ConfigWatcher {
  let applied = canonicalJson(currentConfig);
  return watchConfig(path, {
    logger,
    ...(hooks.debounceMs === undefined ? {} : { debounceMs: hooks.debounceMs }),
    ...(hooks.env === undefined ? {} : { env: hooks.env }),
    onInvalid: (error) => hooks.onInvalid?.(error),
    onReload: async (config) => {
      // A save that changes only comments or layout changes nothing.
      const text = canonicalJson(config);
      if (text === applied) {
        logger.debug({ file: config.sourcePath }, "configuration file saved without changes");
        return;
      }
      const needRestart = RESTART_SECTIONS.filter(
        (section) => canonicalJson(config[section]) !== canonicalJson(currentConfig[section]),
      );
      if (needRestart.length > 0) {
        logger.warn(
          { file: config.sourcePath, sections: needRestart },
          `changes to ${needRestart.join(", ")} take effect after a restart; schedules and calendars apply now`,
        );
      }
      const sync = await applyConfigSchedules(tf, config, { logger });
      applied = text;
      logger.info(
        { file: config.sourcePath, ...sync },
        `configuration reloaded: schedules ${describeSync(sync)}`,
      );
      hooks.onApplied?.(sync, config);
    },
  });
}

/** The file's size and modification time, to tell whether it changed during a read. */
async function fileVersion(path: string): Promise<string | null> {
  try {
    const { size, mtimeMs } = await stat(path);
    return `${size}:${mtimeMs}`;
  } catch {
    return null;
  }
}
