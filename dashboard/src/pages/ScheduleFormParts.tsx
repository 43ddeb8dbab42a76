import { useMemo } from "preact/hooks";
import type { ApiError } from "../api-client";
import { Time } from "../components/Time";
import { viewerZone } from "../format";

// Pieces of the schedule form: the time zone hint and suggestions, and the fire-time preview.

export const PREVIEW_COUNT = 10;

export interface PreviewState {
  status: "idle" | "checking" | "ok" | "error";
  fireTimes: string[];
  error: ApiError | null;
}

export function ZoneHint(props: { onUse: () => void }) {
  return (
    <>
      Default UTC. Your time zone is {viewerZone}.{" "}
      {viewerZone === "UTC" ? null : (
        <button type="button" class="link-button" onClick={props.onUse}>
          Use {viewerZone}
        </button>
      )}
    </>
  );
}

/** The IANA zones this browser knows, as suggestions for the time zone field. */
export function TimeZoneList() {
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf("timeZone");
    } catch {
      return [];
    }
  }, []);
  return (
    <datalist id="time-zones">
      {["UTC", ...zones.filter((zone) => zone !== "UTC")].map((zone) => (
        <option key={zone} value={zone} />
      ))}
    </datalist>
  );
}

export function Preview(props: { state: PreviewState; zone: string; hasLocalErrors: boolean }) {
  const { state } = props;
  return (
    <section class="preview" aria-live="polite">
      <h2>
        Next {PREVIEW_COUNT} fire times{" "}
        {state.status === "checking" ? <span class="muted small">checking…</span> : null}
      </h2>
      {state.status === "error" || props.hasLocalErrors ? (
        <p class="muted">The next fire times show here once the definition is complete and valid.</p>
      ) : state.status === "ok" && state.fireTimes.length === 0 ? (
        <p class="muted">It never fires again (every fire time is in the past or outside its dates).</p>
      ) : null}
      <ol class="preview-list" data-testid="schedule-preview">
        {state.status === "error" || props.hasLocalErrors
          ? null
          : state.fireTimes.map((time) => (
              <li key={time}>
                <Time value={time} zone={props.zone} relative />
              </li>
            ))}
      </ol>
    </section>
  );
}
