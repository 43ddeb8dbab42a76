import { useState } from "preact/hooks";
import * as api from "../api";
import { useAction } from "../action";
import { ConfirmDialog } from "../components/Dialog";
import { notify } from "../notices";
import { navigate, href } from "../router";
import { useCan } from "../session";
import type { Schedule } from "../types";

/** Where a schedule not created through the API is edited. */
export function managedBy(schedule: Schedule): string | null {
  if (schedule.owner === "file") return "managed by taskflow.yaml";
  if (schedule.owner === "code") return "managed by code";
  return null;
}

/**
 * Pause or Resume, Trigger, and for schedules created through the API, Edit and Delete (with a
 * confirmation). Hidden from viewers.
 */
export function ScheduleActions(props: {
  schedule: Schedule;
  onChanged: () => void;
  onDeleted?: () => void;
}) {
  const { schedule, onChanged } = props;
  const canOperate = useCan("operator");
  const { busy, run } = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (!canOperate) return null;
  const managed = managedBy(schedule);
  const act = (name: string, action: () => Promise<unknown>, done: string) =>
    void run(name, action, done).then((ok) => ok && onChanged());

  return (
    <div class="actions">
      {schedule.paused ? (
        <button
          type="button"
          class="button small"
          aria-disabled={busy !== null}
          onClick={() => act("Resume", () => api.schedules.resume(schedule.id), `Resumed ${schedule.id}`)}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          class="button small"
          aria-disabled={busy !== null}
          onClick={() => act("Pause", () => api.schedules.pause(schedule.id), `Paused ${schedule.id}`)}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        class="button small"
        aria-disabled={busy !== null}
        onClick={() =>
          void run("Trigger", async () => {
            const job = await api.schedules.trigger(schedule.id);
            notify(`Triggered ${schedule.id}: run ${job.id}`);
          }).then((ok) => ok && onChanged())
        }
      >
        Trigger
      </button>
      {managed === null ? (
        <>
          <button type="button" class="button small" onClick={() => navigate(href.editSchedule(schedule.id))}>
            Edit
          </button>
          <button type="button" class="button small danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        </>
      ) : (
        <span class="muted small managed">{managed}</span>
      )}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete schedule ${schedule.id}?`}
          danger
          busy={busy !== null}
          onClose={() => setConfirmDelete(false)}
          onConfirm={() =>
            void run("Delete", () => api.schedules.remove(schedule.id), `Deleted ${schedule.id}`).then(
              (ok) => {
                setConfirmDelete(false);
                if (ok) (props.onDeleted ?? onChanged)();
              },
            )
          }
        >
          <p>
            It stops firing and its runs not yet started are withdrawn. Finished runs stay in the history.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
