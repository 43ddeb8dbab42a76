import type { ComponentChildren } from "preact";
import { useCan } from "../session";

/** A page for admins: its title, then its content or why it is not shown. */
export function AdminOnly(props: { title: string; children: ComponentChildren }) {
  const isAdmin = useCan("admin");
  return (
    <>
      <h1>{props.title}</h1>
      {isAdmin ? props.children : <p class="alert info">This page needs the admin role.</p>}
    </>
  );
}
