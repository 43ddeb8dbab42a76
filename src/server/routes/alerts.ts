import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ChannelDeliveryError, type AlertStatus } from "../../alerts/notification.js";
import type { SilenceMatchers } from "../../store/alert-store.js";
import { auditWriter } from "../audit.js";
import { actorOf } from "../auth-hook.js";
import { Limit, Name, Text } from "../schemas.js";
import type { ServerDeps } from "../server-deps.js";

const IdParams = Type.Object({ id: Type.String({ pattern: "^[0-9]{1,18}$", description: "an alert id" }) });
const SilenceParams = Type.Object({
  id: Type.String({ pattern: "^[0-9]{1,18}$", description: "a silence id" }),
});
const ChannelParams = Type.Object({ name: Name });
const Severity = Type.Union([Type.Literal("P0"), Type.Literal("P1"), Type.Literal("P2")]);

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal("firing"), Type.Literal("resolved")])),
    limit: Limit,
  },
  { additionalProperties: false },
);

const SilenceBody = Type.Object(
  {
    matchers: Type.Object(
      {
        rule: Type.Optional(Name),
        task: Type.Optional(Name),
        schedule: Type.Optional(Name),
        severity: Type.Optional(Severity),
      },
      { additionalProperties: false, description: "every matcher given must match; none: every alert" },
    ),
    startsAt: Type.Optional(Type.String({ format: "date-time", description: "default: now" })),
    endsAt: Type.String({ format: "date-time" }),
    comment: Type.Optional(Text(1000)),
  },
  { additionalProperties: false },
);

/**
 * Alerts (docs/alerting.md): viewers read alerts, their deliveries and silences; operators
 * acknowledge and manage silences; admins send a test message through a channel.
 */
export function alertRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;
  const audit = auditWriter(deps, "alert");
  const auditSilence = auditWriter(deps, "alert_silence");

  app.get(
    "/api/v1/alerts",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Alerts, the latest activity first: firing and resolved, with their counts",
        querystring: ListQuery,
      },
    },
    async (request) => {
      const { status, limit } = request.query as { status?: AlertStatus; limit: number };
      return { items: await tf.alerts.list({ ...(status === undefined ? {} : { status }), limit }) };
    },
  );

  app.get(
    "/api/v1/alerts/:id",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "One alert with its messages (one per channel) and every recorded delivery attempt",
        params: IdParams,
      },
    },
    async (request) => tf.alerts.get((request.params as { id: string }).id),
  );

  app.post(
    "/api/v1/alerts/:id/acknowledge",
    {
      config: { role: "operator" },
      schema: { tags: ["alerts"], summary: "Acknowledge an alert: its escalation stops", params: IdParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const alert = await tf.alerts.acknowledge(id, actorOf(request));
      await audit(request, "alert.acknowledge", id, null, {
        acknowledgedBy: alert.acknowledgedBy,
        acknowledgedAt: alert.acknowledgedAt,
      });
      return alert;
    },
  );

  app.get(
    "/api/v1/alerts/silences",
    {
      config: { role: "viewer" },
      schema: { tags: ["alerts"], summary: "Silences made through the API, the latest ending first" },
    },
    async () => ({ items: await tf.alerts.listSilences() }),
  );

  app.post(
    "/api/v1/alerts/silences",
    {
      config: { role: "operator" },
      schema: {
        tags: ["alerts"],
        summary: "Silence matching alerts for a while: recorded, not sent",
        body: SilenceBody,
      },
    },
    async (request, reply) => {
      const body = request.body as {
        matchers: SilenceMatchers;
        startsAt?: string;
        endsAt: string;
        comment?: string;
      };
      const silence = await tf.alerts.createSilence(
        {
          matchers: body.matchers,
          ...(body.startsAt === undefined ? {} : { startsAt: Date.parse(body.startsAt) }),
          endsAt: Date.parse(body.endsAt),
          ...(body.comment === undefined ? {} : { comment: body.comment }),
        },
        actorOf(request),
      );
      await auditSilence(request, "alert.silence.create", silence.id, null, silence);
      return reply.code(201).send(silence);
    },
  );

  app.delete(
    "/api/v1/alerts/silences/:id",
    {
      config: { role: "operator" },
      schema: { tags: ["alerts"], summary: "Remove a silence", params: SilenceParams },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      await tf.alerts.deleteSilence(id);
      await auditSilence(request, "alert.silence.delete", id, null, null);
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v1/alerts/channels",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Configured channel names and the channels of each tier (no secrets)",
      },
    },
    () => tf.alerts.routing(),
  );

  app.post(
    "/api/v1/alerts/channels/:name/test",
    {
      config: { role: "admin" },
      schema: {
        tags: ["alerts"],
        summary: "Send a test message straight through a channel and say what the receiver answered",
        params: ChannelParams,
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const actor = actorOf(request);
      let result: { delivered: boolean; status: number | null; detail: string };
      try {
        const report = await tf.alerts.testSend(name, actor);
        result = { delivered: true, ...report };
      } catch (error) {
        if (!(error instanceof ChannelDeliveryError)) throw error;
        result = {
          delivered: false,
          status: error.report.status,
          detail: error.report.detail || error.message,
        };
      }
      await audit(request, "alert.channel.test", name, null, result);
      return result;
    },
  );
}
