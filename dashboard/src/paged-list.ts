import { useCallback, useRef, useState } from "preact/hooks";
import { errorMessage } from "./api-client";
import { usePoll } from "./poll";
import type { Page } from "./types";

export const PAGE_SIZE = 50;

export interface PagedList<T> {
  items: T[] | null;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreError: string | null;
  loadMore: () => void;
  reload: () => void;
}

interface Loaded<T> {
  key: string;
  items: T[];
  cursor: string | null;
}

/**
 * A list read a page at a time ("Load more") and kept live: every poll reloads the first page and
 * keeps the pages loaded after it, so what the reader scrolled to stays on screen.
 *
 * `isAfter(a, b)`: whether `a` comes after `b` in the list's order (e.g. an older job). Without
 * it, older pages are kept only when the first page still ends on an item already shown.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | undefined, signal?: AbortSignal) => Promise<Page<T>>,
  idOf: (item: T) => string,
  deps: readonly unknown[],
  isAfter?: (a: T, b: T) => boolean,
): PagedList<T> {
  const depsKey = JSON.stringify(deps);
  const loaded = useRef<Loaded<T>>({ key: depsKey, items: [], cursor: null });
  const [loadingMore, setLoadingMore] = useState(false);
  const loadingMoreRef = useRef(false);
  const [loadMoreError, setLoadMoreError] = useState<string | null>(null);

  const polled = usePoll(async (signal) => {
    const head = await fetchPage(undefined, signal);
    const previous = loaded.current.key === depsKey ? loaded.current : { items: [], cursor: null };
    const next = { key: depsKey, ...mergeHead(head, previous, idOf, isAfter) };
    loaded.current = next;
    return next;
  }, deps);

  const { setData } = polled;
  const loadMore = useCallback(() => {
    const cursor = loaded.current.cursor;
    if (cursor === null || loadingMoreRef.current) return;
    loadingMoreRef.current = true;
    setLoadingMore(true);
    setLoadMoreError(null);
    fetchPage(cursor)
      .then((page) => {
        const current = loaded.current;
        if (current.key !== depsKey) return;
        const shown = new Set(current.items.map(idOf));
        const next = {
          key: depsKey,
          items: [...current.items, ...page.items.filter((item) => !shown.has(idOf(item)))],
          cursor: page.nextCursor,
        };
        loaded.current = next;
        setData(next);
      })
      .catch((error: unknown) => setLoadMoreError(errorMessage(error)))
      .finally(() => {
        loadingMoreRef.current = false;
        setLoadingMore(false);
      });
  }, [fetchPage, idOf, depsKey, setData]);

  const data = polled.data?.key === depsKey ? polled.data : null;
  return {
    items: data?.items ?? null,
    error: polled.error,
    hasMore: (data?.cursor ?? null) !== null,
    loadingMore,
    loadMoreError,
    loadMore,
    reload: polled.reload,
  };
}

function mergeHead<T>(
  head: Page<T>,
  previous: { items: T[]; cursor: string | null },
  idOf: (item: T) => string,
  isAfter: ((a: T, b: T) => boolean) | undefined,
): { items: T[]; cursor: string | null } {
  const last = head.items.at(-1);
  if (head.nextCursor === null || last === undefined) return { items: head.items, cursor: null };
  const inHead = new Set(head.items.map(idOf));
  let tail: T[];
  if (isAfter !== undefined) {
    tail = previous.items.filter((item) => !inHead.has(idOf(item)) && isAfter(item, last));
  } else {
    const index = previous.items.findIndex((item) => idOf(item) === idOf(last));
    tail = index < 0 ? [] : previous.items.slice(index + 1).filter((item) => !inHead.has(idOf(item)));
  }
  return tail.length === 0
    ? { items: head.items, cursor: head.nextCursor }
    : { items: [...head.items, ...tail], cursor: previous.cursor };
}

/** Newest-first lists keyed by a numeric id (jobs, audit records). */
export function olderById<T extends { id: string }>(a: T, b: T): boolean {
  return a.id.length !== b.id.length ? a.id.length < b.id.length : a.id < b.id;
}
