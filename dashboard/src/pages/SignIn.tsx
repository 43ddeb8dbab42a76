import { useState } from "preact/hooks";
import * as api from "../api";
import { ApiError, errorMessage } from "../api-client";
import type { Session } from "../types";

/**
 * Exchanges an API token for a session: the server sets an HttpOnly cookie and answers the CSRF
 * token. The API token itself is sent once and kept nowhere.
 */
export function SignIn(props: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (token.trim() === "") {
      setError("Paste an API token (tf_…).");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await api.session.signIn(token.trim());
      setToken("");
      props.onSignedIn(session);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? `Sign-in refused: ${caught.message}.`
          : `Could not sign in: ${errorMessage(caught)}.`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <form class="card signin-card" onSubmit={(event) => void submit(event)} noValidate>
        <h1>TaskFlow</h1>
        <p class="muted">Sign in with an API token. The first start of a node prints an admin token once.</p>
        {props.notice === null ? null : <p class="alert info">{props.notice}</p>}
        <div class="field">
          <label for="signin-token">API token</label>
          <input
            id="signin-token"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
            aria-describedby={error === null ? undefined : "signin-error"}
            aria-invalid={error !== null}
            autoFocus
          />
        </div>
        {error === null ? null : (
          <p id="signin-error" class="alert error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" aria-disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
