// Shell and HTTP job executors: what the config loader and the API use to build tasks.
export { shellTask, createShellTask } from "./shell-executor.js";
export type { ShellResult } from "./shell-executor.js";
export {
  resolveShellSpec,
  resolveShellSettings,
  assertShellEnabled,
  DEFAULT_INHERIT_ENV,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
} from "./shell-spec.js";
export type { ShellJobSpec, ShellExecutorSettings, ResolvedShellSettings } from "./shell-spec.js";
export { httpTask, createHttpTask } from "./http-executor.js";
export type { HttpResult } from "./http-executor.js";
export {
  resolveHttpSpec,
  resolveHttpSettings,
  HTTP_METHODS,
  DEFAULT_CONNECT_MS,
  DEFAULT_HEADERS_MS,
  DEFAULT_TOTAL_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
} from "./http-spec.js";
export type {
  HttpJobSpec,
  HttpExecutorSettings,
  ResolvedHttpSettings,
  HttpMethod,
  JsonValue,
} from "./http-spec.js";
export type { ExecutorRuntime } from "./executor-runtime.js";
export { PermanentExecutorError } from "./executor-errors.js";
export { classifyAddress } from "./address-classes.js";
export type { AddressClass, ForbiddenReason } from "./address-classes.js";
export { parseAllowRule, parseAllowList } from "./ssrf-guard.js";
export type { AllowRule } from "./ssrf-guard.js";
