import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { ErrorCode, InvalidInputError } from "../../domain/errors.js";
import type { ChannelConfig } from "../notification.js";

// The schema of one alert channel as taskflow.yaml and the API give it. `errorMessage` says
// what a value must be when a pattern or union does not match (the config loader shows it, as
// for the rest of taskflow.yaml). Shapes are checked by the schema; what a pattern cannot say
// (a parseable URL, the vendor's token parameter, header names we set ourselves) is checked by
// `channelConfigProblems`, which the engine should call on every channel.

const strict = { additionalProperties: false } as const;

/** http(s), and no `user:password@` (an `@` before the path): credentials in URLs leak into logs. */
const URL_PATTERN = "^https?://[^\\s/?#@]+(?:[/?#]\\S*)?$";
const URL_TEXT = "must be an http:// or https:// URL without user:password@";
const ADDRESS = '[^\\s@<>()\\[\\]",;:]+@[^\\s@<>()\\[\\]",;:]+\\.[^\\s@<>()\\[\\]",;:.]+';
const EMAIL_PATTERN = `^${ADDRESS}$`;
/** `alerts@example.com` or `TaskFlow <alerts@example.com>`; no line breaks (header injection). */
const MAILBOX_PATTERN = `^(?:${ADDRESS}|[^<>\\r\\n]*<${ADDRESS}>)$`;
const MOBILE_PATTERN = "^\\+?[0-9][0-9 -]{3,30}$";
const HOST_PATTERN = "^[A-Za-z0-9._:\\[\\]-]+$";

function url(description: string) {
  return Type.String({ pattern: URL_PATTERN, maxLength: 2048, description, errorMessage: URL_TEXT });
}

function secret(description: string) {
  return Type.String({ minLength: 1, maxLength: 1024, description });
}

function mobiles(description: string, allowAll: boolean) {
  return Type.Array(
    Type.String({
      pattern: allowAll ? `${MOBILE_PATTERN}|^@all$` : MOBILE_PATTERN,
      errorMessage: `must be a mobile phone number like "+8613800000000"${allowAll ? ' or "@all"' : ""}`,
    }),
    { maxItems: 50, description },
  );
}

export const WebhookChannelSchema = Type.Object(
  {
    type: Type.Literal("webhook"),
    url: url("where to POST the notification as JSON"),
    secret: Type.Optional(
      secret("HMAC-SHA256 key: requests carry X-TaskFlow-Timestamp and X-TaskFlow-Signature"),
    ),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
        description: "extra request headers (e.g. Authorization); their values are kept out of logs",
      }),
    ),
  },
  { ...strict, description: "a generic webhook: POST of the notification as JSON, optionally signed" },
);

export const SlackChannelSchema = Type.Object(
  { type: Type.Literal("slack"), url: url("the incoming webhook URL (https://hooks.slack.com/services/…)") },
  { ...strict, description: "a Slack incoming webhook" },
);

export const WeComChannelSchema = Type.Object(
  {
    type: Type.Literal("wecom"),
    url: url("the group robot URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)"),
    mentionedMobiles: Type.Optional(mobiles("members to mention by mobile number, or @all", true)),
  },
  { ...strict, description: "a WeCom (企业微信) group robot" },
);

export const DingTalkChannelSchema = Type.Object(
  {
    type: Type.Literal("dingtalk"),
    url: url("the custom robot URL (https://oapi.dingtalk.com/robot/send?access_token=…)"),
    secret: Type.Optional(secret("the robot's signing secret (SEC…), when its security setting is 加签")),
    atMobiles: Type.Optional(mobiles("members to mention by mobile number", false)),
  },
  { ...strict, description: "a DingTalk (钉钉) custom robot" },
);

export const FeishuChannelSchema = Type.Object(
  {
    type: Type.Literal("feishu"),
    url: url("the custom bot URL (https://open.feishu.cn/open-apis/bot/v2/hook/…, or open.larksuite.com)"),
    secret: Type.Optional(secret("the bot's signing secret, when signature verification is on")),
  },
  { ...strict, description: "a Feishu / Lark custom bot" },
);

export const EmailChannelSchema = Type.Object(
  {
    type: Type.Literal("email"),
    smtp: Type.Object(
      {
        host: Type.String({
          minLength: 1,
          maxLength: 255,
          pattern: HOST_PATTERN,
          description: "SMTP server host name or IP",
          errorMessage: "must be a host name or IP address",
        }),
        port: Type.Integer({
          minimum: 1,
          maximum: 65_535,
          description: "SMTP port: 465 with secure: true, else 587 or 25",
        }),
        secure: Type.Optional(
          Type.Boolean({
            description:
              "true: TLS from the start (port 465); false: plain, upgraded by STARTTLS when offered",
          }),
        ),
        user: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "SMTP login" })),
        password: Type.Optional(Type.String({ maxLength: 1024, description: "SMTP password" })),
        requireTLS: Type.Optional(
          Type.Boolean({
            description:
              "refuse to send unless STARTTLS upgrades the connection (default: true when user is set and secure is not, so a password never travels in clear)",
          }),
        ),
        ca: Type.Optional(
          Type.String({
            pattern: "-----BEGIN CERTIFICATE-----",
            maxLength: 65_536,
            description: "PEM certificate(s) of a private CA that signed the server's certificate",
            errorMessage: "must be PEM text starting with -----BEGIN CERTIFICATE-----",
          }),
        ),
      },
      { ...strict, description: "the SMTP server that relays the mail" },
    ),
    from: Type.String({
      pattern: MAILBOX_PATTERN,
      maxLength: 320,
      description: 'sender: "alerts@example.com" or "TaskFlow <alerts@example.com>"',
      errorMessage: 'must be an email address like "alerts@example.com" or "TaskFlow <alerts@example.com>"',
    }),
    to: Type.Array(
      Type.String({
        pattern: EMAIL_PATTERN,
        maxLength: 320,
        errorMessage: 'must be an email address like "oncall@example.com"',
      }),
      { minItems: 1, maxItems: 100, description: "recipients" },
    ),
  },
  { ...strict, description: "email over SMTP" },
);

const VARIANTS = {
  webhook: WebhookChannelSchema,
  slack: SlackChannelSchema,
  wecom: WeComChannelSchema,
  dingtalk: DingTalkChannelSchema,
  feishu: FeishuChannelSchema,
  email: EmailChannelSchema,
} as const;

/** One alert channel (`type` picks the kind); the JSON schema for taskflow.yaml and the API. */
export const ChannelConfigSchema = Type.Union(Object.values(VARIANTS), {
  description: "an alert channel",
  errorMessage: `must be a channel with type one of ${Object.keys(VARIANTS).join(", ")}`,
});

// The schema and the contract type of notification.ts must describe the same values.
type SchemaConfig = Static<typeof ChannelConfigSchema>;
const schemaMatchesContract: (config: SchemaConfig) => ChannelConfig = (config) => config;
const contractMatchesSchema: (config: ChannelConfig) => SchemaConfig = (config) => config;
void schemaMatchesContract;
void contractMatchesSchema;

/** A problem with one field; `path` leads to it from the channel (`["smtp", "port"]`). */
export interface ChannelConfigProblem {
  path: (string | number)[];
  message: string;
}

/** Headers the channel sets itself; a configured one would be ignored or break the request. */
const RESERVED_HEADERS = [
  "host",
  "content-type",
  "content-length",
  "transfer-encoding",
  "connection",
  "upgrade",
  "keep-alive",
  "te",
  "trailer",
  "user-agent",
];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Every problem of a channel's settings, each naming its field and what is allowed. */
export function channelConfigProblems(raw: unknown): ChannelConfigProblem[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return [{ path: [], message: "must be a mapping with a type field" }];
  }
  const type = (raw as { type?: unknown }).type;
  const schema = typeof type === "string" ? VARIANTS[type as keyof typeof VARIANTS] : undefined;
  if (schema === undefined) {
    const known = Object.keys(VARIANTS).join(", ");
    const got = type === undefined ? "it is missing" : `got ${JSON.stringify(type)}`;
    return [{ path: ["type"], message: `type must be one of ${known}; ${got}` }];
  }
  const problems = shapeProblems(schema, raw);
  return problems.length > 0 ? problems : meaningProblems(raw as ChannelConfig);
}

/** The settings, checked: throws INVALID_OPTION listing every problem. */
export function parseChannelConfig(raw: unknown, name = "channel"): ChannelConfig {
  const problems = channelConfigProblems(raw);
  if (problems.length === 0) return raw as ChannelConfig;
  const lines = problems.map((problem) => `${[name, ...problem.path].join(".")}: ${problem.message}`);
  throw new InvalidInputError(`invalid alert channel ${JSON.stringify(name)}: ${lines.join("; ")}`, {
    code: ErrorCode.InvalidOption,
    details: { channel: name, problems },
  });
}

function shapeProblems(schema: TSchema, raw: unknown): ChannelConfigProblem[] {
  const problems: ChannelConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, raw)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    problems.push({ path: pathOf(error.path), message: messageOf(error) });
    if (problems.length >= 20) break;
  }
  return problems;
}

function messageOf(error: ValueError): string {
  const schema = error.schema as Record<string, unknown>;
  const field = error.path.split("/").pop() ?? "";
  const got = `got ${describe(error.value)}`;
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${field} is required`;
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((schema.properties as object | undefined) ?? {}).join(", ");
    return `unknown field ${JSON.stringify(field)} (known: ${known})`;
  }
  // A URL is not echoed: a wrong one may still hold a token or a password.
  if (schema.errorMessage === URL_TEXT) return URL_TEXT;
  if (typeof schema.errorMessage === "string") return `${schema.errorMessage}, ${got}`;
  switch (error.type) {
    case ValueErrorType.String:
      return `must be text, ${got}`;
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
      return `must be a whole number, ${got}`;
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${String(schema.minimum)}, ${got}`;
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${String(schema.maximum)}, ${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false, ${got}`;
    case ValueErrorType.Array:
      return `must be a list, ${got}`;
    case ValueErrorType.ArrayMinItems:
      return `must list at least ${String(schema.minItems)}`;
    case ValueErrorType.ArrayMaxItems:
      return `must list at most ${String(schema.maxItems)}`;
    case ValueErrorType.Object:
      return `must be a mapping of fields, ${got}`;
    case ValueErrorType.StringMinLength:
      return "must not be empty";
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema.maxLength)} characters`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}, ${got}`;
    default:
      return `${error.message.replace(/^Expected/, "expected")}, ${got}`;
  }
}

/** What a pattern cannot check: the URL parses, the vendor token is there, headers are sendable. */
function meaningProblems(config: ChannelConfig): ChannelConfigProblem[] {
  if (config.type === "email") return [];
  const problems: ChannelConfigProblem[] = [];
  let parsed: URL;
  try {
    parsed = new URL(config.url);
  } catch {
    return [{ path: ["url"], message: URL_TEXT }];
  }
  const needsParameter = { wecom: "key", dingtalk: "access_token" } as Partial<Record<string, string>>;
  const parameter = needsParameter[config.type];
  if (parameter !== undefined && (parsed.searchParams.get(parameter) ?? "") === "") {
    problems.push({
      path: ["url"],
      message: `must carry the robot's ${parameter}=… query parameter (copy the whole webhook URL from the robot's settings)`,
    });
  }
  if (config.type === "webhook") {
    for (const [header, value] of Object.entries(config.headers ?? {})) {
      const lower = header.toLowerCase();
      if (!HEADER_NAME.test(header)) {
        problems.push({ path: ["headers", header], message: "is not a valid HTTP header name" });
      } else if (RESERVED_HEADERS.includes(lower) || lower.startsWith("x-taskflow-")) {
        problems.push({
          path: ["headers", header],
          message: "is set by TaskFlow itself and may not be configured",
        });
      } else if (/[\r\n\0]/.test(value)) {
        problems.push({ path: ["headers", header], message: "must not contain line breaks or NUL" });
      }
    }
  }
  return problems;
}

function pathOf(pointer: string): (string | number)[] {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : typeof value;
}
