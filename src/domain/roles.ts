/** Roles, each allowed what the one before it is: `viewer` < `operator` < `admin`. */
export const Roles = ["viewer", "operator", "admin"] as const;
export type Role = (typeof Roles)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (Roles as readonly string[]).includes(value);
}

/** Whether `role` may do what `required` may. */
export function roleAllows(role: Role, required: Role): boolean {
  return Roles.indexOf(role) >= Roles.indexOf(required);
}
