import { href } from "../router";
import type { RecentRun } from "../types";

/** A schedule's last runs, oldest to newest, one coloured cell each (its state as its name). */
export function RunStrip(props: { runs: RecentRun[] }) {
  const runs = [...props.runs].reverse();
  return (
    <div class="run-strip" data-testid="run-strip">
      {runs.length === 0 ? (
        <span class="muted small">no runs yet</span>
      ) : (
        runs.map((run) => (
          <a
            key={run.id}
            class={`run-cell state-${run.state}`}
            href={href.run(run.id)}
            title={run.state}
            aria-label={run.state}
          />
        ))
      )}
    </div>
  );
}
