import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { EnqueueOptions } from "../../domain/enqueue-options.js";
import { ErrorCode, NotFoundError } from "../../domain/errors.js";
import type { FlowJob } from "../../flow/job-flow.js";
import { requireRole } from "../auth-hook.js";
import { auditWriter } from "../audit.js";
import { Duration, JobId, Name, Text } from "../schemas.js";
import type { ServerDeps } from "../server-deps.js";

const OnFailure = Type.Union([Type.Literal("fail"), Type.Literal("skip"), Type.Literal("continue")], {
  description: "what this job does when the dependency ends other than succeeded",
});

/** `dependsOn` of `POST /api/v1/jobs`: existing job ids. */
export const DependsOnBody = Type.Array(
  Type.Union([
    JobId,
    Type.Object({ job: JobId, onFailure: Type.Optional(OnFailure) }, { additionalProperties: false }),
  ]),
  { maxItems: 1000, description: "jobs that must finish first; onFailure defaults to fail" },
);

const FlowJobBody = Type.Object(
  {
    task: Name,
    payload: Type.Optional(Type.Unknown()),
    dependsOn: Type.Optional(
      Type.Array(
        Type.Union([
          Name,
          Type.Object({ job: Name, onFailure: Type.Optional(OnFailure) }, { additionalProperties: false }),
        ]),
        { maxItems: 1000, description: "names of jobs of this flow that run first" },
      ),
    ),
    options: Type.Optional(
      Type.Object(
        {
          runAt: Type.Optional(Type.String({ format: "date-time" })),
          delay: Type.Optional(Duration),
          priority: Type.Optional(Type.Integer()),
          queue: Type.Optional(Name),
          idempotencyKey: Type.Optional(Text(500)),
          maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
          timeout: Type.Optional(Duration),
          tags: Type.Optional(Type.Array(Text(), { maxItems: 50 })),
          dependsOn: Type.Optional(DependsOnBody),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const FlowBody = Type.Object(
  { jobs: Type.Record(Name, FlowJobBody, { minProperties: 1, maxProperties: 1000 }) },
  { additionalProperties: false },
);

type FlowJobInput = Omit<FlowJob, "options"> & {
  options?: Omit<EnqueueOptions, "runAt"> & { runAt?: string };
};

/** Flows (a DAG of jobs enqueued at once) and the dependencies around one job. */
export function flowRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;
  const audit = auditWriter(deps, "job");

  app.post(
    "/api/v1/flows",
    {
      config: { role: "operator" },
      schema: {
        tags: ["jobs"],
        summary:
          "Enqueue a DAG of named jobs at once: each waits for the jobs of the flow it dependsOn; cycles and unknown names are refused",
        body: FlowBody,
      },
    },
    async (request, reply) => {
      const { jobs } = request.body as { jobs: Record<string, FlowJobInput> };
      for (const job of Object.values(jobs)) {
        if (deps.taskKinds.get(job.task as string) === "shell")
          requireRole(request, "admin", `running the shell task ${job.task as string}`);
      }
      const flow = Object.fromEntries(
        Object.entries(jobs).map(([name, { options, ...job }]) => {
          const { runAt, ...rest } = options ?? {};
          const resolved: Omit<EnqueueOptions, "tx"> = {
            ...rest,
            ...(runAt === undefined ? {} : { runAt: new Date(runAt) }),
          };
          return [name, { ...job, payload: job.payload ?? null, options: resolved }];
        }),
      );
      const created = await tf.flow({ jobs: flow });
      const ids = Object.fromEntries(Object.entries(created).map(([name, job]) => [name, job.id]));
      await audit(request, "flow.enqueue", null, null, { jobs: ids });
      return reply.code(201).send({ jobs: created });
    },
  );

  app.get(
    "/api/v1/jobs/:id/dependencies",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "What the job waits for and what waits for it, with their states and results",
        params: Type.Object({ id: JobId }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const edges = await tf.jobDependencies(id);
      if (edges === null) {
        throw new NotFoundError(`there is no job ${id}`, {
          code: ErrorCode.JobNotFound,
          details: { job: id },
        });
      }
      return edges;
    },
  );
}
