import { request, type QueryValue } from "./api-client";
import type {
  ApiToken,
  AuditRecord,
  Job,
  JobAttempt,
  JobDependencies,
  JobLog,
  JobStep,
  Overview,
  Page,
  Role,
  Schedule,
  ScheduleChange,
  ScheduleWithUpcoming,
  Session,
  TaskInfo,
} from "./types";

// The REST API, one function per call. Ids go into paths through encodeURIComponent only.

const V1 = "/api/v1";
const enc = encodeURIComponent;
type Query = Record<string, QueryValue>;

export const session = {
  current: (signal?: AbortSignal) =>
    request<Session>("GET", `${V1}/session`, { expectSignedOut: true, ...withSignal(signal) }),
  signIn: (token: string) =>
    request<Session>("POST", `${V1}/session`, { body: { token }, expectSignedOut: true }),
  signOut: () => request<void>("DELETE", `${V1}/session`, { expectSignedOut: true }),
};

export const overview = (signal?: AbortSignal) =>
  request<Overview>("GET", `${V1}/overview`, withSignal(signal));

export const tasks = (signal?: AbortSignal) =>
  request<{ items: TaskInfo[] }>("GET", `${V1}/tasks`, withSignal(signal));

export const schedules = {
  list: (query: Query, signal?: AbortSignal) =>
    request<Page<Schedule>>("GET", `${V1}/schedules`, { query, ...withSignal(signal) }),
  get: (id: string, signal?: AbortSignal) =>
    request<ScheduleWithUpcoming>("GET", `${V1}/schedules/${enc(id)}`, withSignal(signal)),
  history: (id: string, signal?: AbortSignal) =>
    request<{ items: ScheduleChange[] }>("GET", `${V1}/schedules/${enc(id)}/history`, withSignal(signal)),
  put: (id: string, body: Record<string, unknown>) =>
    request<Schedule>("PUT", `${V1}/schedules/${enc(id)}`, { body }),
  remove: (id: string) => request<void>("DELETE", `${V1}/schedules/${enc(id)}`),
  pause: (id: string) => request<Schedule>("POST", `${V1}/schedules/${enc(id)}/pause`),
  resume: (id: string) => request<Schedule>("POST", `${V1}/schedules/${enc(id)}/resume`),
  trigger: (id: string) => request<Job>("POST", `${V1}/schedules/${enc(id)}/trigger`),
  preview: (schedule: Record<string, unknown>, count: number, signal?: AbortSignal) =>
    request<{ fireTimes: string[] }>("POST", `${V1}/schedules/preview`, {
      body: { schedule, count },
      ...withSignal(signal),
    }),
};

export const jobs = {
  list: (query: Query, signal?: AbortSignal) =>
    request<Page<Job>>("GET", `${V1}/jobs`, { query, ...withSignal(signal) }),
  get: (id: string, signal?: AbortSignal) => request<Job>("GET", `${V1}/jobs/${enc(id)}`, withSignal(signal)),
  steps: (id: string, signal?: AbortSignal) =>
    request<{ items: JobStep[] }>("GET", `${V1}/jobs/${enc(id)}/steps`, withSignal(signal)),
  dependencies: (id: string, signal?: AbortSignal) =>
    request<JobDependencies>("GET", `${V1}/jobs/${enc(id)}/dependencies`, withSignal(signal)),
  attempts: (id: string, signal?: AbortSignal) =>
    request<{ items: JobAttempt[] }>("GET", `${V1}/jobs/${enc(id)}/attempts`, withSignal(signal)),
  logs: (id: string, signal?: AbortSignal) =>
    request<{ items: JobLog[] }>("GET", `${V1}/jobs/${enc(id)}/logs`, withSignal(signal)),
  retry: (id: string) => request<Job>("POST", `${V1}/jobs/${enc(id)}/retry`),
  cancel: (id: string) => request<Job>("POST", `${V1}/jobs/${enc(id)}/cancel`),
};

export interface DeadFilter {
  task?: string;
  queue?: string;
  tag?: string[];
}

export const dead = {
  list: (query: Query, signal?: AbortSignal) =>
    request<Page<Job>>("GET", `${V1}/dead`, { query, ...withSignal(signal) }),
  countMatching: (filter: DeadFilter) =>
    request<{ matching: number }>("POST", `${V1}/dead/replay`, { body: { ...filter, dryRun: true } }),
  replayMatching: (filter: DeadFilter) =>
    request<{ replayed: number }>("POST", `${V1}/dead/replay`, { body: filter }),
};

export const tokens = {
  list: (signal?: AbortSignal) => request<{ items: ApiToken[] }>("GET", `${V1}/tokens`, withSignal(signal)),
  create: (label: string, role: Role) =>
    request<ApiToken & { token: string }>("POST", `${V1}/tokens`, { body: { label, role } }),
  revoke: (id: string) => request<ApiToken>("DELETE", `${V1}/tokens/${enc(id)}`),
};

export const audit = (query: Query, signal?: AbortSignal) =>
  request<Page<AuditRecord>>("GET", `${V1}/audit`, { query, ...withSignal(signal) });

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
