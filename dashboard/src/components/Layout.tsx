import type { ComponentChildren } from "preact";
import { dismiss, useNotices } from "../notices";
import { href, type Route } from "../router";
import { roleAllows } from "../session";
import type { Principal } from "../types";

const NAV: { label: string; href: string; pages: Route["page"][]; admin?: boolean }[] = [
  { label: "Overview", href: href.overview, pages: ["overview"] },
  {
    label: "Schedules",
    href: href.schedules,
    pages: ["schedules", "schedule", "schedule-new", "schedule-edit"],
  },
  { label: "Runs", href: href.runs(), pages: ["runs", "run"] },
  { label: "Dead letters", href: href.dead, pages: ["dead"] },
  { label: "Audit log", href: href.audit, pages: ["audit"], admin: true },
  { label: "Tokens", href: href.tokens, pages: ["tokens"], admin: true },
];

/** The page frame: header with navigation and the signed-in token, notices, the page. */
export function Layout(props: {
  principal: Principal;
  route: Route;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const { principal, route } = props;
  const notices = useNotices();
  return (
    <div class="app">
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href.overview}>
          TaskFlow
        </a>
        <nav class="nav" aria-label="Main">
          {NAV.filter((item) => item.admin !== true || roleAllows(principal.role, "admin")).map((item) => (
            <a
              key={item.label}
              href={item.href}
              class="nav-link"
              aria-current={item.pages.includes(route.page) ? "page" : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div class="whoami">
          <span class="whoami-label" title={`token ${principal.tokenId}`}>
            {principal.label}
          </span>
          <span class={`badge role-${principal.role}`}>{principal.role}</span>
          <button type="button" class="button small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {props.children}
      </main>
      <div class="notices" role="status" aria-live="polite">
        {notices.map((notice) => (
          <div key={notice.id} class={`notice ${notice.tone}`}>
            <span>{notice.text}</span>
            <button
              type="button"
              class="notice-close"
              aria-label="Dismiss"
              onClick={() => dismiss(notice.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

/** The skip link moves focus without touching the hash (the hash is the router's). */
function skipToMain(event: MouseEvent): void {
  event.preventDefault();
  document.getElementById("main")?.focus();
}
