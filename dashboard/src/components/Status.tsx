import { errorMessage } from "../api-client";

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what === undefined ? "" : ` ${props.what}`}…
    </p>
  );
}

/** A failed load or refresh. With stale data on screen, it says the figures may be old. */
export function LoadError(props: { error: unknown; stale?: boolean }) {
  if (props.error === null || props.error === undefined) return null;
  return (
    <p class="alert error" role="alert">
      {props.stale === true ? "Could not refresh (showing the last data): " : "Could not load: "}
      {errorMessage(props.error)}
    </p>
  );
}

export function Empty(props: { children: string }) {
  return <p class="empty muted">{props.children}</p>;
}
