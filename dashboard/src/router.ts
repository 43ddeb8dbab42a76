import { useEffect, useState } from "preact/hooks";

// Hash routing (`/#/schedules`, `/#/runs/42`): the server only serves `/`, so every page lives
// in the fragment. Filters ride along as a query (`#/runs?state=dead`).

export type Route =
  | { page: "overview" }
  | { page: "schedules" }
  | { page: "schedule-new" }
  | { page: "schedule"; id: string }
  | { page: "schedule-edit"; id: string }
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "dead" }
  | { page: "audit" }
  | { page: "tokens" }
  | { page: "not-found" };

export interface HashLocation {
  path: string;
  route: Route;
  query: URLSearchParams;
}

export function parseHash(hash: string): HashLocation {
  const text = hash.replace(/^#/, "");
  const [rawPath = "", rawQuery = ""] = text.split("?", 2);
  const path = rawPath === "" ? "/" : rawPath;
  return { path, route: routeOf(path), query: new URLSearchParams(rawQuery) };
}

function routeOf(path: string): Route {
  let parts: string[];
  try {
    parts = path
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent);
  } catch {
    return { page: "not-found" };
  }
  const [first, second, third] = parts;
  if (parts.length === 0) return { page: "overview" };
  if (first === "schedules") {
    if (second === undefined) return { page: "schedules" };
    if (second === "new" && parts.length === 2) return { page: "schedule-new" };
    if (parts.length === 2) return { page: "schedule", id: second };
    if (third === "edit" && parts.length === 3) return { page: "schedule-edit", id: second };
  }
  if (first === "runs") {
    if (second === undefined) return { page: "runs" };
    if (parts.length === 2) return { page: "run", id: second };
  }
  if (parts.length === 1 && (first === "dead" || first === "audit" || first === "tokens")) {
    return { page: first };
  }
  return { page: "not-found" };
}

/** The current location; re-renders on every hash change. */
export function useHashLocation(): HashLocation {
  const [location, setLocation] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = () => setLocation(parseHash(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return location;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}

/** Rewrites the current page's query without a history entry or a hash change event. */
export function replaceQuery(path: string, query: Record<string, string | undefined>): void {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, value);
  const text = params.toString();
  window.history.replaceState(window.history.state, "", `#${path}${text === "" ? "" : `?${text}`}`);
}

const enc = encodeURIComponent;

/** Internal links, built from ids with encodeURIComponent only. */
export const href = {
  overview: "#/",
  schedules: "#/schedules",
  newSchedule: "#/schedules/new",
  schedule: (id: string) => `#/schedules/${enc(id)}`,
  editSchedule: (id: string) => `#/schedules/${enc(id)}/edit`,
  runs: (query: Record<string, string> = {}) => {
    const text = new URLSearchParams(query).toString();
    return `#/runs${text === "" ? "" : `?${text}`}`;
  },
  run: (id: string) => `#/runs/${enc(id)}`,
  dead: "#/dead",
  audit: "#/audit",
  tokens: "#/tokens",
};
