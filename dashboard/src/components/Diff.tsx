import { diffText, diffValues } from "../diff";

/** The fields a change touched, before and after, as text. */
export function Diff(props: { before: unknown; after: unknown }) {
  const changes = diffValues(props.before, props.after);
  if (changes.length === 0) return <span class="muted small">no change</span>;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path} class={`diff-${change.kind}`}>
            <th scope="row">{change.path === "" ? "value" : change.path}</th>
            <td class="diff-before">
              <code>{diffText(change.before)}</code>
            </td>
            <td class="diff-after">
              <code>{diffText(change.after)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
