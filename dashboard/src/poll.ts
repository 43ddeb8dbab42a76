import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { isAbort } from "./api-client";

/** How often a page refreshes its data while the tab is visible. */
export const POLL_INTERVAL_MS = 3000;

export interface Polled<T> {
  /** The last data loaded; kept while a refresh is under way or fails. */
  data: T | null;
  /** The last refresh's error, cleared by the next success. */
  error: unknown;
  loading: boolean;
  /** Load again now (after an action), and restart the cadence. */
  reload: () => void;
  /** Replace the data (after a "Load more"). */
  setData: (data: T) => void;
}

/**
 * Loads `load` now, then again `POLL_INTERVAL_MS` after each answer (never two at once), while
 * the tab is visible; hidden, it stops and loads again as soon as the tab shows. A change of
 * `deps` starts over. Only the data changes: forms and scroll position are left alone.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Polled<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    let controller: AbortController | null = null;

    const run = async () => {
      window.clearTimeout(timer);
      controller?.abort();
      const current = new AbortController();
      controller = current;
      try {
        const data = await loadRef.current(current.signal);
        if (!stopped && !current.signal.aborted) setState({ data, error: null, loading: false });
      } catch (error) {
        if (stopped || current.signal.aborted || isAbort(error)) return;
        setState((previous) => ({ ...previous, error, loading: false }));
      }
      if (!stopped && !current.signal.aborted && !document.hidden) {
        timer = window.setTimeout(() => void run(), POLL_INTERVAL_MS);
      }
    };
    const onVisibility = () => {
      if (document.hidden) {
        window.clearTimeout(timer);
        controller?.abort();
      } else {
        void run();
      }
    };

    setState((previous) => ({ ...previous, loading: true }));
    void run();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      controller?.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ data, error: null, loading: false }), []);
  return { ...state, reload, setData };
}

/** A value that follows `value` once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
