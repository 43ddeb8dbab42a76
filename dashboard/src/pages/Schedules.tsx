import { useState } from "preact/hooks";
import * as api from "../api";
import { LoadMore } from "../components/LoadMore";
import { RunStrip } from "../components/RunStrip";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { describeTiming, scheduleZone } from "../format";
import { PAGE_SIZE, usePagedList } from "../paged-list";
import { useDebounced } from "../poll";
import { href, navigate, replaceQuery } from "../router";
import { useCan } from "../session";
import type { Schedule } from "../types";
import { ScheduleActions } from "./ScheduleActions";

const RECENT_RUNS = 10;

/** Every schedule, searchable, with its next fire, owner, last runs and actions. */
export function Schedules(props: { query: URLSearchParams }) {
  const [search, setSearch] = useState(props.query.get("search") ?? "");
  const [owner, setOwner] = useState(props.query.get("owner") ?? "");
  const filters = { search: useDebounced(search.trim(), 300), owner };
  const canOperate = useCan("operator");

  const list = usePagedList(
    (cursor, signal) =>
      api.schedules.list({ ...filters, cursor, limit: PAGE_SIZE, runs: RECENT_RUNS }, signal),
    (schedule: Schedule) => schedule.id,
    [filters.search, filters.owner],
  );

  const update = (next: { search?: string; owner?: string }) => {
    const merged = { search, owner, ...next };
    if (next.search !== undefined) setSearch(next.search);
    if (next.owner !== undefined) setOwner(next.owner);
    replaceQuery("/schedules", { search: merged.search.trim(), owner: merged.owner });
  };

  return (
    <>
      <div class="page-head">
        <h1>Schedules</h1>
        {canOperate ? (
          <button type="button" class="button primary" onClick={() => navigate(href.newSchedule)}>
            New schedule
          </button>
        ) : null}
      </div>
      <div class="filters" role="search">
        <div class="field grow">
          <label for="schedule-search">Search schedules</label>
          <input
            id="schedule-search"
            type="search"
            placeholder="part of an id"
            value={search}
            onInput={(event) => update({ search: event.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="schedule-owner">Owner</label>
          <select
            id="schedule-owner"
            value={owner}
            onChange={(event) => update({ owner: event.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="api">api</option>
            <option value="file">taskflow.yaml</option>
            <option value="code">code</option>
          </select>
        </div>
      </div>
      <LoadError error={list.error} stale={list.items !== null} />
      {list.items === null ? (
        list.error === null ? (
          <Loading />
        ) : null
      ) : list.items.length === 0 ? (
        <Empty>{filters.search === "" && owner === "" ? "No schedules yet." : "No schedule matches."}</Empty>
      ) : (
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">When</th>
                <th scope="col">Next fire</th>
                <th scope="col">Owner</th>
                <th scope="col">Last runs</th>
                {canOperate ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.items.map((schedule) => (
                <ScheduleRow
                  key={schedule.id}
                  schedule={schedule}
                  onChanged={list.reload}
                  canOperate={canOperate}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore list={list} />
    </>
  );
}

function ScheduleRow(props: { schedule: Schedule; onChanged: () => void; canOperate: boolean }) {
  const { schedule } = props;
  return (
    <tr data-testid={`schedule-row-${schedule.id}`}>
      <td>
        <a href={href.schedule(schedule.id)} class="strong">
          {schedule.id}
        </a>
        <div class="muted small">{schedule.task}</div>
      </td>
      <td>{describeTiming(schedule.timing)}</td>
      <td>
        {schedule.paused ? (
          <span class="badge paused">paused</span>
        ) : (
          <Time value={schedule.nextFireAt} zone={scheduleZone(schedule.timing)} relative />
        )}
      </td>
      <td>
        <span class={`badge owner-${schedule.owner}`}>{schedule.owner}</span>
      </td>
      <td>
        <RunStrip runs={schedule.recentRuns ?? []} />
      </td>
      {props.canOperate ? (
        <td>
          <ScheduleActions schedule={schedule} onChanged={props.onChanged} />
        </td>
      ) : null}
    </tr>
  );
}
