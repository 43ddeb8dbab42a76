import { randomUUID } from "node:crypto";
import { ErrorCode, InvalidInputError, NotFoundError } from "../domain/errors.js";
import type {
  AlertFilter,
  AlertRecord,
  AlertStore,
  OutboxEntry,
  Silence,
  SilenceMatchers,
  StoredDelivery,
} from "../store/alert-store.js";
import type { Clock } from "../time/clock.js";
import type { AlertSettings } from "./alert-options.js";
import { AlertStatus, Severity, type AlertChannel, type DeliveryReport } from "./notification.js";

export interface AlertDetail {
  alert: AlertRecord;
  /** Its messages in the outbox, one per channel. */
  messages: OutboxEntry[];
  /** Every recorded delivery attempt of those messages. */
  deliveries: StoredDelivery[];
}

export interface SilenceInput {
  matchers: SilenceMatchers;
  /** @defaultValue now */
  startsAt?: number;
  endsAt: number;
  comment?: string;
}

const MATCHER_KEYS = new Set(["rule", "task", "schedule", "severity"]);

/** What the API and library users do with alerts: read them, acknowledge, silence, test a channel. */
export class AlertService {
  constructor(
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly settings: AlertSettings,
    private readonly channels: ReadonlyMap<string, AlertChannel>,
  ) {}

  list(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    return this.store.listAlerts(filter);
  }

  async get(id: string): Promise<AlertDetail> {
    const alert = await this.store.getAlert(id);
    if (alert === null) throw notFound(id);
    const [messages, deliveries] = await Promise.all([
      this.store.listOutbox(id),
      this.store.listDeliveries(id),
    ]);
    return { alert, messages, deliveries };
  }

  /** Stops the alert's escalation; the first acknowledgement is kept. */
  async acknowledge(id: string, by: string): Promise<AlertRecord> {
    const alert = await this.store.acknowledge(id, by, this.clock.now());
    if (alert === null) throw notFound(id);
    return alert;
  }

  createSilence(input: SilenceInput, by: string): Promise<Silence> {
    const now = this.clock.now();
    const startsAt = input.startsAt ?? now;
    for (const key of Object.keys(input.matchers)) {
      if (!MATCHER_KEYS.has(key))
        throw invalid("matchers", `unknown silence matcher '${key}'; known: rule, task, schedule, severity`);
    }
    const severity = input.matchers.severity;
    if (severity !== undefined && !Object.values(Severity).includes(severity)) {
      throw invalid("matchers.severity", "matchers.severity must be P0, P1 or P2");
    }
    if (!Number.isFinite(startsAt) || !Number.isFinite(input.endsAt) || input.endsAt <= startsAt) {
      throw invalid("endsAt", "a silence must end after it starts");
    }
    return this.store.createSilence(
      {
        matchers: input.matchers,
        startsAt,
        endsAt: input.endsAt,
        comment: input.comment ?? "",
        createdBy: by,
      },
      now,
    );
  }

  /** Silences made through the API (those of taskflow.yaml are in `settings.silences`). */
  listSilences(): Promise<Silence[]> {
    return this.store.listSilences();
  }

  async deleteSilence(id: string): Promise<void> {
    if (!(await this.store.deleteSilence(id))) {
      throw new NotFoundError(`no silence ${id}`, { code: ErrorCode.SilenceNotFound, details: { id } });
    }
  }

  /** The configured channel names and the channels each tier goes to. */
  routing(): { channels: string[]; routes: AlertSettings["routes"] } {
    return { channels: [...this.channels.keys()], routes: this.settings.routes };
  }

  /**
   * Sends a test message straight through a channel (not through the outbox: it is a check of
   * the channel's settings, answered with what the receiver said). Throws ChannelDeliveryError.
   */
  async testSend(channelName: string, by: string): Promise<DeliveryReport> {
    const channel = this.channels.get(channelName);
    if (channel === undefined) {
      throw new NotFoundError(`no alert channel '${channelName}'`, {
        code: ErrorCode.AlertChannelNotFound,
        details: { channel: channelName },
      });
    }
    const now = new Date(this.clock.now());
    return channel.send(
      {
        id: `test-${randomUUID()}`,
        status: AlertStatus.Firing,
        severity: Severity.P2,
        escalatedFrom: null,
        rule: "test",
        groupKey: "test",
        title: `Test message from TaskFlow (sent by ${by})`,
        summary: `If you read this, channel '${channelName}' works.`,
        count: 1,
        firstAt: now,
        lastAt: now,
        subject: { task: null, scheduleId: null, queue: null, jobId: null, attempt: null, error: null },
        link: this.settings.publicUrl,
        labels: {},
      },
      AbortSignal.timeout(this.settings.delivery.timeoutMs),
    );
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`no alert ${id}`, { code: ErrorCode.AlertNotFound, details: { id } });
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidRequest, details: { option } });
}
