import { useRef, useState } from "preact/hooks";
import * as api from "../api";
import { useAction } from "../action";
import { errorMessage } from "../api-client";
import { ConfirmDialog } from "../components/Dialog";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { notify } from "../notices";
import { usePoll } from "../poll";
import { usePrincipal } from "../session";
import { ROLES, type ApiToken, type Role } from "../types";
import { AdminOnly } from "./AdminOnly";

/** API tokens (admins): create one (its secret is shown once), list them, revoke. */
export function Tokens() {
  return (
    <AdminOnly title="API tokens">
      <TokensPage />
    </AdminOnly>
  );
}

function TokensPage() {
  const polled = usePoll((signal) => api.tokens.list(signal), []);
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  return (
    <>
      <CreateToken
        onCreated={(token) => {
          setCreated(token);
          polled.reload();
        }}
      />
      {created === null ? null : <NewToken token={created} onDone={() => setCreated(null)} />}
      <LoadError error={polled.error} stale={polled.data !== null} />
      {polled.data === null ? (
        polled.error === null ? (
          <Loading />
        ) : null
      ) : (
        <TokenTable tokens={polled.data.items} onRevoked={polled.reload} />
      )}
    </>
  );
}

function CreateToken(props: { onCreated: (token: ApiToken & { token: string }) => void }) {
  const [label, setLabel] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (label.trim() === "") {
      setError("Give the token a label: who or what will use it.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      props.onCreated(await api.tokens.create(label.trim(), role));
      setLabel("");
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card filters" onSubmit={(event) => void submit(event)} noValidate>
      <div class="field grow">
        <label for="token-label">Label</label>
        <input
          id="token-label"
          value={label}
          autoComplete="off"
          maxLength={200}
          aria-invalid={error !== null}
          aria-describedby={error === null ? undefined : "token-error"}
          onInput={(event) => setLabel(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="token-role">Role</label>
        <select id="token-role" value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
          {ROLES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div class="field field-button">
        <button type="submit" class="button primary" aria-disabled={busy}>
          Create token
        </button>
      </div>
      {error === null ? null : (
        <p id="token-error" class="field-error wide" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function NewToken(props: { token: ApiToken & { token: string }; onDone: () => void }) {
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.token.token);
      notify("Token copied");
    } catch {
      // No clipboard (plain HTTP away from localhost): select it for a manual copy.
      const selection = window.getSelection();
      if (code.current !== null && selection !== null) selection.selectAllChildren(code.current);
      notify("Copy it by hand: the token is selected", "error");
    }
  };
  return (
    <section class="card new-token" aria-labelledby="new-token-title">
      <h2 id="new-token-title">
        New {props.token.role} token “{props.token.label}”
      </h2>
      <p class="alert warn">Copy it now: it will not be shown again. Only its hash is stored.</p>
      <div class="token-box">
        <code ref={code} data-testid="new-token">
          {props.token.token}
        </code>
        <button type="button" class="button small" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" class="button small" onClick={props.onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

function TokenTable(props: { tokens: ApiToken[]; onRevoked: () => void }) {
  const me = usePrincipal();
  const { busy, run } = useAction();
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  if (props.tokens.length === 0) return <Empty>No tokens.</Empty>;
  return (
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Revoked</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((token) => (
            <tr
              key={token.id}
              data-testid={`token-row-${token.id}`}
              class={token.revokedAt === null ? undefined : "revoked"}
            >
              <td>
                <span class="strong">{token.label}</span>
                {token.id === me.tokenId ? <span class="badge">this session</span> : null}
                <div class="muted small mono">{token.id}</div>
              </td>
              <td>
                <span class={`badge role-${token.role}`}>{token.role}</span>
              </td>
              <td>
                <Time value={token.createdAt} relative />
                <div class="muted small">by {token.createdBy}</div>
              </td>
              <td>
                {token.lastUsedAt === null ? (
                  <span class="muted">never</span>
                ) : (
                  <Time value={token.lastUsedAt} relative />
                )}
              </td>
              <td>
                {token.revokedAt === null ? (
                  <span class="muted">active</span>
                ) : (
                  <>
                    <Time value={token.revokedAt} />
                    {token.revokedBy === null ? null : <div class="muted small">by {token.revokedBy}</div>}
                  </>
                )}
              </td>
              <td>
                {token.revokedAt === null ? (
                  <button type="button" class="button small danger" onClick={() => setRevoking(token)}>
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoking === null ? null : (
        <ConfirmDialog
          title={`Revoke token ${revoking.label}?`}
          danger
          busy={busy !== null}
          onClose={() => setRevoking(null)}
          onConfirm={() =>
            void run("Revoke", () => api.tokens.revoke(revoking.id), `Revoked ${revoking.label}`).then(
              (ok) => {
                setRevoking(null);
                if (ok) props.onRevoked();
              },
            )
          }
        >
          <p>
            Every request made with it is refused at once, on every node.
            {revoking.id === me.tokenId ? " It is the token of this session: you will be signed out." : ""}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
