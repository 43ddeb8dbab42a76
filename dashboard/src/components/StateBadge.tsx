/** A job state as a coloured label (the word is always written: colour is never the only cue). */
export function StateBadge(props: { state: string; testId?: string }) {
  return (
    <span class={`badge state-${props.state}`} data-testid={props.testId}>
      {props.state}
    </span>
  );
}
