import type { Job } from "../domain/job.js";
import type { JobAttempt } from "../domain/job-attempts.js";
import type { Schedule, ScheduleChange } from "../domain/schedule.js";
import type { ApiToken } from "../store/access-store.js";
import type { StoredJobLog } from "../store/store.js";

/** A type as it arrives in JSON: dates are ISO strings. */
export type Wire<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

export type JobDoc = Wire<Job>;
export type AttemptDoc = Wire<JobAttempt>;
export type JobLogDoc = Wire<StoredJobLog>;
export type ScheduleDoc = Wire<Schedule> & { upcoming?: string[] };
export type ScheduleChangeDoc = Wire<ScheduleChange>;
export type TokenDoc = Wire<ApiToken>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
