// Why each points change happened, newest first.
import type { Page } from "../../shared/api.ts";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { LedgerEntry } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

export function PointsHistory() {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const history = useLoad(() => api.get<Page<LedgerEntry>>("/v1/me/points/history", { limit: 100 }), []);
  const entries = (history.data?.items ?? []).filter((e) => e.currency === "points");
  return (
    <>
      <Header title={t("member.pointsHistory")} />
      <div className="section">
        {history.data && entries.length === 0 && <p className="muted">{t("m.noPoints")}</p>}
        <ul className="list">
          {entries.map((e) => (
            <li key={e.entry_id}>
              <div>
                <div>{e.reason}</div>
                <div className="muted">{dateTime(e.occurred_at, lang)}</div>
              </div>
              <b className={e.amount < 0 ? "minus" : "plus"}>{e.amount > 0 ? `+${e.amount}` : e.amount}</b>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
