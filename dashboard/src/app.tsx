import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "./api";
import { ApiError, errorMessage, onSignedOut, setCsrfToken } from "./api-client";
import { Layout } from "./components/Layout";
import { AuditLog } from "./pages/AuditLog";
import { DeadLetters } from "./pages/DeadLetters";
import { Overview } from "./pages/Overview";
import { RunDetail } from "./pages/RunDetail";
import { Runs } from "./pages/Runs";
import { ScheduleDetail } from "./pages/ScheduleDetail";
import { ScheduleFormPage } from "./pages/ScheduleForm";
import { Schedules } from "./pages/Schedules";
import { SignIn } from "./pages/SignIn";
import { Tokens } from "./pages/Tokens";
import { href, useHashLocation, type HashLocation } from "./router";
import { PrincipalContext } from "./session";
import type { Principal, Session } from "./types";

type SessionState =
  | { status: "checking" }
  | { status: "unreachable"; message: string }
  | { status: "signed-out"; notice: string | null }
  | { status: "signed-in"; principal: Principal };

/**
 * The session decides what shows: the sign-in page, or the pages. After a reload the CSRF token
 * is fetched again from GET /api/v1/session (the cookie survived; the token lives in memory).
 */
export function App() {
  const [state, setState] = useState<SessionState>({ status: "checking" });
  const location = useHashLocation();

  const signedIn = (session: Session) => {
    setCsrfToken(session.csrfToken);
    setState({ status: "signed-in", principal: session.principal });
  };

  const check = () => {
    api.session
      .current()
      .then(signedIn)
      .catch((error: unknown) => {
        setCsrfToken(null);
        if (error instanceof ApiError && error.status === 401)
          setState({ status: "signed-out", notice: null });
        else setState({ status: "unreachable", message: errorMessage(error) });
      });
  };

  useEffect(() => {
    check();
    return onSignedOut(() => {
      setCsrfToken(null);
      setState({
        status: "signed-out",
        notice: "Your session ended (expired, signed out or its token revoked): sign in again.",
      });
    });
  }, []);

  useEffect(() => {
    document.title = `${pageTitle(location)} · TaskFlow`;
  }, [location]);
  // A new page starts at its top, and the keyboard focus moves to it (filters rewrite the query
  // without a hash change, so they keep both).
  const firstPath = useRef(true);
  useEffect(() => {
    window.scrollTo(0, 0);
    if (firstPath.current) firstPath.current = false;
    else document.getElementById("main")?.focus({ preventScroll: true });
  }, [location.path]);

  const signOut = () => {
    api.session
      .signOut()
      .catch(() => undefined)
      .finally(() => {
        setCsrfToken(null);
        setState({ status: "signed-out", notice: "Signed out." });
      });
  };

  switch (state.status) {
    case "checking":
      return <p class="boot muted">Loading…</p>;
    case "unreachable":
      return (
        <main class="signin" id="main">
          <div class="card signin-card">
            <h1>TaskFlow</h1>
            <p class="alert error" role="alert">
              Could not reach the server: {state.message}
            </p>
            <button type="button" class="button primary" onClick={check}>
              Try again
            </button>
          </div>
        </main>
      );
    case "signed-out":
      return <SignIn notice={state.notice} onSignedIn={signedIn} />;
    case "signed-in":
      return (
        <PrincipalContext.Provider value={state.principal}>
          <Layout principal={state.principal} route={location.route} onSignOut={signOut}>
            <Page location={location} />
          </Layout>
        </PrincipalContext.Provider>
      );
  }
}

function Page(props: { location: HashLocation }) {
  const { route, query } = props.location;
  // Keys make a page start fresh when its subject changes (another schedule, another run).
  switch (route.page) {
    case "overview":
      return <Overview />;
    case "schedules":
      return <Schedules query={query} />;
    case "schedule-new":
      return <ScheduleFormPage key="new" />;
    case "schedule":
      return <ScheduleDetail key={route.id} id={route.id} />;
    case "schedule-edit":
      return <ScheduleFormPage key={`edit-${route.id}`} id={route.id} />;
    case "runs":
      return <Runs query={query} />;
    case "run":
      return <RunDetail key={route.id} id={route.id} />;
    case "dead":
      return <DeadLetters query={query} />;
    case "audit":
      return <AuditLog query={query} />;
    case "tokens":
      return <Tokens />;
    case "not-found":
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page here. <a href={href.overview}>Go to the overview</a>.
          </p>
        </>
      );
  }
}

function pageTitle(location: HashLocation): string {
  const { route } = location;
  switch (route.page) {
    case "overview":
      return "Overview";
    case "schedules":
      return "Schedules";
    case "schedule-new":
      return "New schedule";
    case "schedule":
      return `Schedule ${route.id}`;
    case "schedule-edit":
      return `Edit ${route.id}`;
    case "runs":
      return "Runs";
    case "run":
      return `Run #${route.id}`;
    case "dead":
      return "Dead letters";
    case "audit":
      return "Audit log";
    case "tokens":
      return "API tokens";
    case "not-found":
      return "Not found";
  }
}
