import type { FastifyRequest } from "fastify";
import { actorOf } from "./auth-hook.js";
import type { ServerDeps } from "./server-deps.js";

/** Records a change made through the API, by the request's caller, on one kind of target. */
export type AuditWriter = (
  request: FastifyRequest,
  action: string,
  targetId: string | null,
  before: unknown,
  after: unknown,
) => Promise<void>;

export function auditWriter(deps: ServerDeps, targetType: string): AuditWriter {
  return (request, action, targetId, before, after) =>
    deps.audit.appendAudit(
      { actor: actorOf(request), action, targetType, targetId, before, after },
      deps.tf.clock.now(),
    );
}
