// The members in my scope (a guide's own, a store manager's store), searchable by name, phone or card.
import { useState } from "react";
import { Link } from "react-router";
import { errorText, type Page } from "../../shared/api.ts";
import { date } from "../../shared/format.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import type { Member } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useCursorPages } from "../../shared/cursor-pages.ts";
import { MobilePager } from "../../shared/MobilePager.tsx";
import { useStaff } from "../context.ts";

export function MyMembers() {
  const { t, lang } = useI18n();
  const { api, session, signOut } = useStaff();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const members = useLoad(() => api.get<Page<Member>>("/v1/members", { q, cursor, limit: 20 }), [q, cursor]);
  return (
    <>
      <div className="bar">
        <h1>{t("s.myMembers")}</h1>
        <LangToggle />
      </div>
      <div className="section">
        <div className="muted">
          {session.name} ·{" "}
          <a href="#" onClick={signOut}>
            {t("auth.signOut")}
          </a>{" "}
          · <Link to="/tasks">{t("s.tasksTitle")}</Link> · <Link to="/results">{t("s.results")}</Link>
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setQ(typed.trim());
            pages.reset();
          }}
          style={{ display: "flex", gap: 8, marginTop: 8 }}
        >
          <input
            aria-label={t("common.search")}
            placeholder={t("members.searchPlaceholder")}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <button className="small" type="submit">
            {t("common.search")}
          </button>
        </form>
      </div>
      <div className="section">
        {members.error !== undefined && <p className="error">{errorText(members.error)}</p>}
        {members.data && members.data.items.length === 0 && <p className="muted">{t("s.noMembers")}</p>}
        <ul className="list" data-testid="my-members">
          {(members.data?.items ?? []).map((m) => (
            <li key={m.member_id}>
              <Link to={`/members/${m.member_id}`}>
                <div>{m.name ?? m.card_no}</div>
                <div className="muted">
                  {m.phone ?? "—"} · {date(m.joined_at, lang)}
                </div>
              </Link>
              <span className="muted">{m.card_no}</span>
            </li>
          ))}
        </ul>
        <MobilePager pages={pages} next={members.data?.next_cursor} />
      </div>
    </>
  );
}
