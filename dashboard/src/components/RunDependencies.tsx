import { href } from "../router";
import type { DependencyLink, JobDependencies } from "../types";
import { StateBadge } from "./StateBadge";
import { Time } from "./Time";

/** What a run waits for and what waits for it (dependsOn, flows); nothing when it has neither. */
export function RunDependencies(props: { edges: JobDependencies }) {
  const { dependencies, dependents } = props.edges;
  if (dependencies.length === 0 && dependents.length === 0) return null;
  return (
    <section class="card" data-testid="run-dependencies">
      <h2>Dependencies</h2>
      {dependencies.length === 0 ? null : (
        <Links title="Waits for" links={dependencies} testId="run-dependencies-upstream" />
      )}
      {dependents.length === 0 ? null : (
        <Links title="Waited for by" links={dependents} testId="run-dependencies-downstream" />
      )}
    </section>
  );
}

function Links(props: { title: string; links: DependencyLink[]; testId: string }) {
  return (
    <div class="table-wrap" data-testid={props.testId}>
      <table class="list">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">State</th>
            <th scope="col">If it fails</th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>
          {props.links.map((link) => (
            <tr key={link.jobId}>
              <td>
                <a href={href.run(link.jobId)}>#{link.jobId}</a>
                {link.name === null ? null : <code class="small"> {link.name}</code>}
              </td>
              <td>{link.task}</td>
              <td>
                <StateBadge state={link.state} />
              </td>
              <td>{link.onFailure}</td>
              <td>{link.finishedAt === null ? "—" : <Time value={link.finishedAt} relative />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
