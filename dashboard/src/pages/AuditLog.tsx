import { useState } from "preact/hooks";
import * as api from "../api";
import { Diff } from "../components/Diff";
import { Field } from "../components/Field";
import { LoadMore } from "../components/LoadMore";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { olderById, PAGE_SIZE, usePagedList } from "../paged-list";
import { useDebounced } from "../poll";
import { href, replaceQuery } from "../router";
import type { AuditRecord } from "../types";
import { AdminOnly } from "./AdminOnly";

interface Filters {
  actor: string;
  targetType: string;
  targetId: string;
}

/** Every change made through the API or the CLI: who, what, when, before and after (admins). */
export function AuditLog(props: { query: URLSearchParams }) {
  return (
    <AdminOnly title="Audit log">
      <AuditTable query={props.query} />
    </AdminOnly>
  );
}

function AuditTable(props: { query: URLSearchParams }) {
  const [filters, setFilters] = useState<Filters>(() => ({
    actor: props.query.get("actor") ?? "",
    targetType: props.query.get("targetType") ?? "",
    targetId: props.query.get("targetId") ?? "",
  }));
  const applied = JSON.parse(useDebounced(JSON.stringify(filters), 300)) as Filters;
  const list = usePagedList(
    (cursor, signal) =>
      api.audit(
        {
          actor: applied.actor.trim(),
          targetType: applied.targetType.trim(),
          targetId: applied.targetId.trim(),
          cursor,
          limit: PAGE_SIZE,
        },
        signal,
      ),
    (record: AuditRecord) => record.id,
    [JSON.stringify(applied)],
    olderById,
  );
  const set = (key: keyof Filters, value: string) => {
    const next = { ...filters, [key]: value };
    setFilters(next);
    replaceQuery("/audit", { ...next });
  };
  const labels: Record<keyof Filters, string> = {
    actor: "Actor",
    targetType: "Target type",
    targetId: "Target id",
  };

  return (
    <>
      <div class="filters" role="search">
        {(Object.keys(labels) as (keyof Filters)[]).map((key) => (
          <Field key={key} label={labels[key]}>
            {(control) => (
              <input
                {...control}
                type="search"
                value={filters[key]}
                autoComplete="off"
                onInput={(event) => set(key, event.currentTarget.value)}
              />
            )}
          </Field>
        ))}
      </div>
      <LoadError error={list.error} stale={list.items !== null} />
      {list.items === null ? (
        list.error === null ? (
          <Loading />
        ) : null
      ) : list.items.length === 0 ? (
        <Empty>Nothing recorded.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Before → after</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((record) => (
                <tr key={record.id} data-testid={`audit-row-${record.id}`}>
                  <td>
                    <Time value={record.at} relative />
                  </td>
                  <td>{record.actor}</td>
                  <td>
                    <code>{record.action}</code>
                  </td>
                  <td>
                    <Target record={record} />
                  </td>
                  <td>
                    <Diff before={record.before} after={record.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore list={list} />
    </>
  );
}

function Target(props: { record: AuditRecord }) {
  const { targetType, targetId } = props.record;
  if (targetId === null) return <span>{targetType}</span>;
  const link =
    targetType === "schedule" ? href.schedule(targetId) : targetType === "job" ? href.run(targetId) : null;
  return (
    <span>
      <span class="muted">{targetType} </span>
      {link === null ? <span>{targetId}</span> : <a href={link}>{targetId}</a>}
    </span>
  );
}
