import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { ROLES, type Principal, type Role } from "./types";

/** Who is signed in; the app renders its pages only inside a provider with a principal. */
export const PrincipalContext = createContext<Principal | null>(null);

export function usePrincipal(): Principal {
  const principal = useContext(PrincipalContext);
  if (principal === null) throw new Error("usePrincipal outside a signed-in page");
  return principal;
}

/** Whether `role` may do what `required` may (`viewer` < `operator` < `admin`). */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Whether the signed-in role may use a control; the API refuses anyway (403). */
export function useCan(required: Role): boolean {
  return roleAllows(usePrincipal().role, required);
}
