import type { ComponentChildren, VNode } from "preact";
import { useId } from "preact/hooks";

export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: boolean;
}

/**
 * A labelled form control with an optional hint and an error message, both tied to the control
 * (aria-describedby) so a screen reader reads them with it.
 */
export function Field(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string | null | undefined;
  class?: string;
  children: (control: ControlProps) => VNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hasError = props.error !== undefined && props.error !== null && props.error !== "";
  const describedBy = [props.hint === undefined ? null : hintId, hasError ? errorId : null]
    .filter((part) => part !== null)
    .join(" ");
  return (
    <div class={`field ${props.class ?? ""}`}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        ...(describedBy === "" ? {} : { "aria-describedby": describedBy }),
        ...(hasError ? { "aria-invalid": true } : {}),
      })}
      {props.hint === undefined ? null : (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      {hasError ? (
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
