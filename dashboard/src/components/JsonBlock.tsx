import { prettyJson } from "../format";

/** A JSON value, indented, as text. */
export function JsonBlock(props: { value: unknown; label?: string }) {
  return (
    <pre class="code" tabIndex={0} aria-label={props.label}>
      {prettyJson(props.value)}
    </pre>
  );
}
