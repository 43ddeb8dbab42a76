import { Type } from "@sinclair/typebox";
import { SIZE_PATTERN } from "./sizes.js";

// Building blocks of the taskflow.yaml schema. `errorMessage` says what a value must be when a
// union or pattern does not match (schema-problems.ts shows it); it is removed from the
// exported JSON schema, since strict validators refuse unknown keywords.
export const DURATION_PATTERN = "^\\s*(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+\\s*$";
export const DURATION_TEXT = 'a duration: milliseconds, or text like "500ms", "30s", "5m", "1h30m", "2d"';

export const strict = { additionalProperties: false } as const;

export function duration(description: string, defaultValue?: string) {
  return Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description,
    errorMessage: `must be ${DURATION_TEXT}`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
}

/** A duration, or `none` for no limit. */
export function limit(description: string, defaultValue?: string) {
  return Type.Union(
    [Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN }), Type.Literal("none")],
    {
      description,
      errorMessage: `must be ${DURATION_TEXT}, or none`,
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    },
  );
}

export function size(description: string, defaultValue?: string) {
  return Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], {
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    errorMessage: 'must be a number of bytes or a size like "512kb", "1mb", "1gb"',
  });
}

export function oneOf<const T extends readonly string[]>(
  values: T,
  description: string,
  defaultValue?: T[number],
) {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    {
      description,
      errorMessage: `must be one of ${values.map((value) => JSON.stringify(value)).join(", ")}`,
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    },
  );
}

export const names = (description: string, defaultValue?: string[]) =>
  Type.Array(Type.String(), {
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
