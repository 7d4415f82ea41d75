// My results this month: members recruited, sales, redemptions and tasks, ranked in my store (and region).
import { Link } from "react-router";
import { errorText } from "../../shared/api.ts";
import { money, num } from "../../shared/format.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useStaff } from "../context.ts";

interface GuideResult {
  staff_id: string;
  name: string;
  recruits: number;
  orders: number;
  sales_minor: number;
  redemptions: number;
  tasks_assigned: number;
  tasks_completed: number;
  rank_in_store: number;
  rank_in_region: number | null;
}

export function Results() {
  const { t, lang } = useI18n();
  const { api, session } = useStaff();
  const results = useLoad(
    () => api.get<{ from: string; to: string; items: GuideResult[] }>("/v1/guide-results"),
    [],
  );
  const mine = results.data?.items.find((r) => r.staff_id === session.subject);
  return (
    <>
      <div className="bar">
        <Link to="/">‹ {t("s.myMembers")}</Link>
        <LangToggle />
      </div>
      {results.error !== undefined && <p className="error section">{errorText(results.error)}</p>}
      {results.data && (
        <div className="section">
          <h2>
            {t("s.results")} · {results.data.from} – {results.data.to}
          </h2>
          {mine && (
            <div className="stats" data-testid="my-results">
              <div>
                <b>{num(mine.recruits, lang)}</b>
                <span>{t("s.recruits")}</span>
              </div>
              <div>
                <b>{money(mine.sales_minor, lang)}</b>
                <span>{t("s.sales")}</span>
              </div>
              <div>
                <b>#{mine.rank_in_store}</b>
                <span>{t("s.rankInStore")}</span>
              </div>
              <div>
                <b>{num(mine.redemptions, lang)}</b>
                <span>{t("s.redemptions")}</span>
              </div>
              <div>
                <b>
                  {mine.tasks_completed}/{mine.tasks_assigned}
                </b>
                <span>{t("s.tasks")}</span>
              </div>
              <div>
                <b>{mine.rank_in_region === null ? "—" : `#${mine.rank_in_region}`}</b>
                <span>{t("s.rankInRegion")}</span>
              </div>
            </div>
          )}
        </div>
      )}
      {results.data && (
        <div className="section">
          <h2>{t("s.ranking")}</h2>
          <ul className="list">
            {results.data.items.map((r) => (
              <li key={r.staff_id} style={r.staff_id === session.subject ? { fontWeight: 600 } : undefined}>
                <span>
                  #{r.rank_in_store} {r.name}
                </span>
                <span className="muted">
                  {money(r.sales_minor, lang)} · {t("s.recruitsN", { n: r.recruits })}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
