import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/** The engine's logger: JSON lines on stdout, `err` serialized with its stack and cause. */
export function createLogger(level: LevelWithSilent = "info"): Logger {
  return pino({ name: "taskflow", level });
}
