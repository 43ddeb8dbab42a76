// taskflow.yaml: schema, loading, variable substitution, tasks, schedules and hot reload.
export { loadConfig, parseConfig, type ParseConfigOptions } from "./load-config.js";
export {
  taskFlowOptionsOf,
  type ServiceConfig,
  type TaskConfig,
  type CodeTaskConfig,
  type ShellTaskConfig,
  type HttpTaskConfig,
  type TaskDefaults,
  type TaskOverrides,
  type HttpExecutorConfig,
  type ScheduleConfig,
} from "./service-config.js";
export { configJsonSchema, CONFIG_DEFAULTS } from "./config-schema.js";
export { configProblemsOf, formatProblem, type ConfigProblem } from "./config-problems.js";
export { buildTaskDefinitions } from "./task-definitions.js";
export {
  applyConfigSchedules,
  describeSync,
  type ApplyScheduleOptions,
  type ScheduleSync,
} from "./apply-schedules.js";
export {
  watchConfig,
  startConfigReload,
  type ConfigWatcher,
  type ConfigReloadHooks,
  type WatchConfigOptions,
} from "./watch-config.js";
export { parseSize, type Size } from "./sizes.js";
