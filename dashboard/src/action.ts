import { useRef, useState } from "preact/hooks";
import { errorMessage } from "./api-client";
import { notify } from "./notices";

/**
 * Runs a button's action once at a time: `busy` while it runs; success and failure are told in
 * a notice. Returns whether it succeeded.
 */
export function useAction(): {
  busy: string | null;
  run: (name: string, action: () => Promise<unknown>, done?: string) => Promise<boolean>;
} {
  const [busy, setBusy] = useState<string | null>(null);
  // Buttons stay enabled while busy (aria-disabled), so the focus stays on them: the guard is here.
  const running = useRef(false);
  const run = async (name: string, action: () => Promise<unknown>, done?: string) => {
    if (running.current) return false;
    running.current = true;
    setBusy(name);
    try {
      await action();
      if (done !== undefined) notify(done);
      return true;
    } catch (error) {
      notify(`${name} failed: ${errorMessage(error)}`, "error");
      return false;
    } finally {
      running.current = false;
      setBusy(null);
    }
  };
  return { busy, run };
}
