import { useEffect, useState } from "preact/hooks";

// Short messages after an action ("Schedule paused", "Could not cancel: …"), read out by screen
// readers from one live region and dismissed after a while.

export interface Notice {
  id: number;
  text: string;
  tone: "info" | "error";
}

const NOTICE_MS = 6000;
let notices: Notice[] = [];
let nextId = 1;
const listeners = new Set<(notices: Notice[]) => void>();

function publish(next: Notice[]): void {
  notices = next;
  for (const listener of listeners) listener(notices);
}

export function notify(text: string, tone: Notice["tone"] = "info"): void {
  const notice = { id: nextId++, text, tone };
  publish([...notices, notice].slice(-4));
  window.setTimeout(() => dismiss(notice.id), tone === "error" ? NOTICE_MS * 2 : NOTICE_MS);
}

export function dismiss(id: number): void {
  publish(notices.filter((notice) => notice.id !== id));
}

export function useNotices(): Notice[] {
  const [current, setCurrent] = useState(notices);
  useEffect(() => {
    listeners.add(setCurrent);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}
