import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { canonicalJson } from "../../domain/canonical-json.js";
import { ErrorCode, InvalidInputError, InvalidStateError, NotFoundError } from "../../domain/errors.js";
import type { Schedule } from "../../domain/schedule.js";
import type { ScheduleSpec } from "../../scheduler/schedule-spec.js";
import { actorOf, requireRole } from "../auth-hook.js";
import { Limit, Name, nextCursor, ScheduleBody, Text } from "../schemas.js";
import { auditWriter } from "../audit.js";
import type { ServerDeps } from "../server-deps.js";

const IdParams = Type.Object({ id: Name });

/** Schedules: list, show, create or edit, delete, pause, resume, trigger, history, preview. */
export function scheduleRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;
  const audit = auditWriter(deps, "schedule");

  /** Shell tasks are admin-only to schedule (DESIGN §5). */
  const requireRoleForTask = (request: FastifyRequest, task: string) => {
    if (deps.taskKinds.get(task) === "shell")
      requireRole(request, "admin", `scheduling the shell task ${task}`);
  };

  const mustGet = async (id: string): Promise<Schedule> => {
    const schedule = await tf.getSchedule(id);
    if (schedule === null) {
      throw new NotFoundError(`there is no schedule ${JSON.stringify(id)}`, {
        code: ErrorCode.ScheduleNotFound,
        details: { schedule: id },
      });
    }
    return schedule;
  };

  app.get(
    "/api/v1/schedules",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["schedules"],
        summary: "List schedules by id, a page at a time",
        querystring: Type.Object(
          {
            search: Type.Optional(Text()),
            task: Type.Optional(Name),
            owner: Type.Optional(
              Type.Union([Type.Literal("code"), Type.Literal("file"), Type.Literal("api")]),
            ),
            cursor: Type.Optional(Name),
            limit: Limit,
            runs: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 50,
                description: "add each schedule's newest N runs as recentRuns",
              }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const q = request.query as {
        search?: string;
        task?: string;
        owner?: "code" | "file" | "api";
        cursor?: string;
        limit: number;
        runs?: number;
      };
      const items = await tf.listSchedules({
        limit: q.limit,
        ...(q.search === undefined ? {} : { search: q.search }),
        ...(q.task === undefined ? {} : { task: q.task }),
        ...(q.owner === undefined ? {} : { owner: q.owner }),
        ...(q.cursor === undefined ? {} : { after: q.cursor }),
      });
      const page = nextCursor(items, q.limit, (s) => s.id);
      if (q.runs === undefined || q.runs === 0) return { items, nextCursor: page };
      const runs = await tf.store.overview.recentRuns(
        items.map((s) => s.id),
        q.runs,
      );
      return { items: items.map((s) => ({ ...s, recentRuns: runs.get(s.id) ?? [] })), nextCursor: page };
    },
  );

  app.post(
    "/api/v1/schedules/preview",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["schedules"],
        summary: "The next fire times of a definition, without saving it",
        body: Type.Object(
          {
            schedule: Type.Object(
              { ...ScheduleBody.properties, task: Type.Optional(Name) },
              { additionalProperties: false },
            ),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    (request) => {
      const body = request.body as {
        schedule: Omit<ScheduleSpec, "task"> & { task?: string };
        count?: number;
      };
      // Fire times do not depend on the task; a placeholder keeps the definition complete.
      const spec = { ...body.schedule, task: body.schedule.task ?? "preview" };
      return { fireTimes: tf.previewSchedule(spec, body.count ?? 10) };
    },
  );

  app.get(
    "/api/v1/schedules/:id",
    {
      config: { role: "viewer" },
      schema: { tags: ["schedules"], summary: "One schedule with its next fire times", params: IdParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const schedule = await mustGet(id);
      const upcoming = tf.upcomingFires(schedule, 5);
      return { ...schedule, upcoming };
    },
  );

  /**
   * A person typing `after` by hand means an existing schedule: one that names none would never
   * fire, silently. (Code may declare a follower before its leader, so the engine allows it.)
   */
  const refuseUnknownLeader = async (spec: ScheduleSpec) => {
    const leader = typeof spec.after === "string" ? spec.after : spec.after?.schedule;
    if (leader === undefined || (await tf.getSchedule(leader)) !== null) return;
    throw new InvalidInputError(
      `after names schedule ${JSON.stringify(leader)}, which does not exist: create the schedule it follows first`,
      { code: ErrorCode.InvalidSchedule, details: { option: "after" } },
    );
  };

  app.put(
    "/api/v1/schedules/:id",
    {
      config: { role: "operator" },
      schema: {
        tags: ["schedules"],
        summary: "Create a schedule, or replace its definition (never fires retroactively)",
        params: IdParams,
        body: ScheduleBody,
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const spec = request.body as ScheduleSpec;
      requireRoleForTask(request, spec.task);
      const before = await tf.getSchedule(id);
      if (before !== null) {
        requireRoleForTask(request, before.task);
        refuseIfOwnedElsewhere(before, "edit");
      }
      await refuseUnknownLeader(spec);
      const schedule = await tf.schedule(id, spec, { actor: actorOf(request), owner: "api" });
      const changed = before === null || canonicalJson(before.spec) !== canonicalJson(schedule.spec);
      if (changed)
        await audit(
          request,
          before === null ? "schedule.create" : "schedule.update",
          id,
          before?.spec ?? null,
          schedule.spec,
        );
      return reply.code(before === null ? 201 : 200).send(schedule);
    },
  );

  app.delete(
    "/api/v1/schedules/:id",
    {
      config: { role: "operator" },
      schema: {
        tags: ["schedules"],
        summary: "Delete a schedule and its runs not yet started",
        params: IdParams,
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const before = await mustGet(id);
      requireRoleForTask(request, before.task);
      refuseIfOwnedElsewhere(before, "delete");
      await tf.unschedule(id, { actor: actorOf(request) });
      await audit(request, "schedule.delete", id, before.spec, null);
      return reply.code(204).send();
    },
  );

  for (const action of ["pause", "resume"] as const) {
    app.post(
      `/api/v1/schedules/:id/${action}`,
      {
        config: { role: "operator" },
        schema: {
          tags: ["schedules"],
          summary:
            action === "pause"
              ? "Stop firing (withdraws runs enqueued ahead)"
              : "Fire again (catch-up policy applies)",
          params: IdParams,
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const before = await mustGet(id);
        const schedule =
          action === "pause"
            ? await tf.pause(id, { actor: actorOf(request) })
            : await tf.resume(id, { actor: actorOf(request) });
        if (before.paused !== schedule.paused) {
          await audit(
            request,
            `schedule.${action}`,
            id,
            { paused: before.paused },
            { paused: schedule.paused },
          );
        }
        return schedule;
      },
    );
  }

  app.post(
    "/api/v1/schedules/:id/trigger",
    {
      config: { role: "operator" },
      schema: { tags: ["schedules"], summary: "Run the schedule's task now, once", params: IdParams },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const job = await tf.trigger(id, { actor: actorOf(request) });
      await audit(request, "schedule.trigger", id, null, { jobId: job.id });
      return reply.code(201).send(job);
    },
  );

  app.get(
    "/api/v1/schedules/:id/history",
    {
      config: { role: "viewer" },
      schema: { tags: ["schedules"], summary: "Every change made to the schedule", params: IdParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await mustGet(id);
      return { items: await tf.scheduleHistory(id) };
    },
  );
}

/** A schedule from taskflow.yaml is edited in the file; one from code, in the code. */
function refuseIfOwnedElsewhere(schedule: Schedule, what: "edit" | "delete"): void {
  if (schedule.owner === "api") return;
  const where = schedule.owner === "file" ? "taskflow.yaml" : "the program that defines it (tf.schedule)";
  throw new InvalidStateError(
    `schedule ${JSON.stringify(schedule.id)} is managed by ${where}: ${what} it there (pause, resume and trigger work here)`,
    { code: ErrorCode.ScheduleOwnedElsewhere, details: { schedule: schedule.id, owner: schedule.owner } },
  );
}
