import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { EnqueueOptions } from "../../domain/enqueue-options.js";
import { ErrorCode, NotFoundError } from "../../domain/errors.js";
import type { Job } from "../../domain/job.js";
import type { JobState } from "../../domain/job-state.js";
import { requireRole } from "../auth-hook.js";
import { Duration, JobId, JobStateName, Limit, Name, nextCursor, RetryPolicyBody, Text } from "../schemas.js";
import { auditWriter } from "../audit.js";
import type { ServerDeps } from "../server-deps.js";
import { DependsOnBody } from "./flows.js";

const IdParams = Type.Object({ id: JobId });

const SearchQuery = Type.Object(
  {
    state: Type.Optional(JobStateName),
    task: Type.Optional(Name),
    queue: Type.Optional(Name),
    schedule: Type.Optional(Name),
    tag: Type.Optional(
      Type.Array(Text(), { maxItems: 20, description: "repeat for jobs carrying all the tags" }),
    ),
    from: Type.Optional(Type.String({ format: "date-time", description: "created at or after" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "created before" })),
    cursor: Type.Optional(JobId),
    limit: Limit,
  },
  { additionalProperties: false },
);

interface Search {
  state?: JobState;
  task?: string;
  queue?: string;
  schedule?: string;
  tag?: string[];
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

const EnqueueBody = Type.Object(
  {
    task: Name,
    payload: Type.Optional(Type.Unknown()),
    runAt: Type.Optional(Type.String({ format: "date-time" })),
    delay: Type.Optional(Duration),
    priority: Type.Optional(Type.Integer()),
    queue: Type.Optional(Name),
    idempotencyKey: Type.Optional(Text(500)),
    idempotencyTtl: Type.Optional(Duration),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
    timeout: Type.Optional(Duration),
    retry: Type.Optional(RetryPolicyBody),
    tags: Type.Optional(Type.Array(Text(), { maxItems: 50 })),
    concurrencyKey: Type.Optional(Text(500)),
    rateLimitKey: Type.Optional(Text(500)),
    circuitKey: Type.Optional(Text(500)),
    dependsOn: Type.Optional(DependsOnBody),
  },
  { additionalProperties: false },
);

/** Jobs (runs): search, show, attempts, logs, enqueue, retry, cancel; and the dead-letter queue. */
export function jobRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;
  const audit = auditWriter(deps, "job");

  const mustGet = async (id: string): Promise<Job> => {
    const job = await tf.getJob(id);
    if (job === null) {
      throw new NotFoundError(`there is no job ${id}`, { code: ErrorCode.JobNotFound, details: { job: id } });
    }
    return job;
  };

  const search = async (q: Search, state?: JobState) => {
    const items = await tf.listJobs({
      limit: q.limit,
      ...((state ?? q.state) === undefined ? {} : { state: (state ?? q.state) as JobState }),
      ...(q.task === undefined ? {} : { task: q.task }),
      ...(q.queue === undefined ? {} : { queue: q.queue }),
      ...(q.schedule === undefined ? {} : { scheduleId: q.schedule }),
      ...(q.tag === undefined ? {} : { tags: q.tag }),
      ...(q.from === undefined ? {} : { createdFrom: new Date(q.from) }),
      ...(q.to === undefined ? {} : { createdTo: new Date(q.to) }),
      ...(q.cursor === undefined ? {} : { before: q.cursor }),
    });
    return { items, nextCursor: nextCursor(items, q.limit, (job) => job.id) };
  };

  app.get(
    "/api/v1/jobs",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "Search jobs by state, task, queue, schedule, tags and creation time; newest first",
        querystring: SearchQuery,
      },
    },
    async (request) => search(request.query as Search),
  );

  app.post(
    "/api/v1/jobs",
    {
      config: { role: "operator" },
      schema: { tags: ["jobs"], summary: "Enqueue a job of a task this service runs", body: EnqueueBody },
    },
    async (request, reply) => {
      const { task, payload, runAt, ...rest } = request.body as {
        task: string;
        payload?: unknown;
        runAt?: string;
      } & EnqueueOptions;
      if (deps.taskKinds.get(task) === "shell")
        requireRole(request, "admin", `running the shell task ${task}`);
      const options: EnqueueOptions = { ...rest, ...(runAt === undefined ? {} : { runAt: new Date(runAt) }) };
      const job = await tf.enqueue(task, payload ?? null, options);
      if (job.created)
        await audit(request, "job.enqueue", job.id, null, { task, queue: job.queue, runAt: job.runAt });
      return reply.code(job.created ? 201 : 200).send(job);
    },
  );

  app.get(
    "/api/v1/jobs/:id",
    { config: { role: "viewer" }, schema: { tags: ["jobs"], summary: "One job", params: IdParams } },
    async (request) => mustGet((request.params as { id: string }).id),
  );

  app.get(
    "/api/v1/jobs/:id/attempts",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "The job's attempts, oldest first, with errors and stacks",
        params: IdParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const attempts = await tf.jobAttempts(id);
      if (attempts === null) await mustGet(id);
      return { items: attempts ?? [] };
    },
  );

  app.get(
    "/api/v1/jobs/:id/steps",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "The job's completed durable steps (ctx.step), oldest first, with their results",
        params: IdParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await mustGet(id);
      return { items: await tf.jobSteps(id) };
    },
  );

  app.get(
    "/api/v1/jobs/:id/logs",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "The job's log lines (shell output included), oldest first",
        params: IdParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await mustGet(id);
      return { items: await tf.jobLogs(id) };
    },
  );

  app.post(
    "/api/v1/jobs/:id/retry",
    {
      config: { role: "operator" },
      schema: {
        tags: ["jobs"],
        summary: "Run a dead or cancelled job again, with a fresh attempt budget",
        params: IdParams,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const before = await mustGet(id);
      const job = await tf.replay(id);
      await audit(request, "job.retry", id, { state: before.state }, { state: job.state });
      return job;
    },
  );

  app.post(
    "/api/v1/jobs/:id/cancel",
    {
      config: { role: "operator" },
      schema: { tags: ["jobs"], summary: "Cancel a queued job, or stop a running one", params: IdParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const before = await mustGet(id);
      const job = await tf.cancel(id);
      await audit(
        request,
        "job.cancel",
        id,
        { state: before.state },
        { state: job.state, cancelRequested: job.cancelRequested },
      );
      return job;
    },
  );

  const DeadQuery = Type.Omit(SearchQuery, ["state"]);
  app.get(
    "/api/v1/dead",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["dead letters"],
        summary: "Dead jobs (attempts spent or a permanent error), newest first",
        querystring: DeadQuery,
      },
    },
    async (request) => search(request.query as Search, "dead"),
  );

  app.post(
    "/api/v1/dead/replay",
    {
      config: { role: "operator" },
      schema: {
        tags: ["dead letters"],
        summary:
          "Replay every dead job matching the filter (all of them with an empty filter); dryRun only counts them",
        body: Type.Object(
          {
            task: Type.Optional(Name),
            queue: Type.Optional(Name),
            tag: Type.Optional(
              Type.Array(Text(), { maxItems: 20, description: "jobs carrying all of these tags" }),
            ),
            dryRun: Type.Optional(
              Type.Boolean({ description: "count what would be replayed, change nothing" }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { dryRun, tag, ...rest } = request.body as {
        task?: string;
        queue?: string;
        tag?: string[];
        dryRun?: boolean;
      };
      const filter = { ...rest, ...(tag === undefined ? {} : { tags: tag }) };
      if (dryRun === true) return { matching: await tf.countDead(filter) };
      const replayed = await tf.replayDead(filter);
      await audit(request, "dead.replay", null, { filter }, { replayed });
      return { replayed };
    },
  );
}
