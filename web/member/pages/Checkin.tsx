// Daily check-in: today's button, the streak, the next streak reward, and this month's calendar, where a missed
// day the brand lets members make up is a button (it costs points and joins the streak up; it earns no daily points).
import { useState } from "react";
import { errorText } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

interface Calendar {
  month: string;
  today: string;
  checked_in_today: boolean;
  current_streak: number;
  next_streak_reward: { days: number; points: number; coupon: string | null; days_to_go: number } | null;
  days: { day: string; checked_in: boolean; kind: string | null; can_make_up: boolean }[];
  makeup: { enabled: boolean; cost_points: number; left_this_month: number };
}

export function Checkin() {
  const { t } = useI18n();
  const { api } = useMember();
  const calendar = useLoad(() => api.get<Calendar>("/v1/me/checkins"), []);
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  const checkIn = async () => {
    setNotice(undefined);
    try {
      const result = await api.post<{ points: number; streak: number }>("/v1/me/checkins");
      setNotice({ ok: true, text: t("m.checkedIn", { points: result.points, streak: result.streak }) });
      calendar.reload();
    } catch (failure) {
      setNotice({ ok: false, text: errorText(failure) });
    }
  };
  const makeUp = async (day: string, cost: number) => {
    if (!window.confirm(t("m.makeUpConfirm", { day, points: cost }))) return;
    setNotice(undefined);
    try {
      const result = await api.post<{ streak: number }>("/v1/me/checkins/makeup", { day });
      setNotice({ ok: true, text: t("m.madeUp", { day, streak: result.streak }) });
      calendar.reload();
    } catch (failure) {
      setNotice({ ok: false, text: errorText(failure) });
    }
  };
  const data = calendar.data;
  const firstWeekday = data ? (new Date(`${data.month}-01T00:00:00`).getDay() + 6) % 7 : 0;
  return (
    <>
      <Header title={t("m.checkin")} />
      <div className="section">
        {calendar.error !== undefined && <p className="error">{errorText(calendar.error)}</p>}
        {data && (
          <>
            <div className="stats" style={{ gridTemplateColumns: "1fr 1fr" }}>
              <div>
                <b data-testid="streak">{data.current_streak}</b>
                <span>{t("m.streak")}</span>
              </div>
              <div>
                <b>{data.next_streak_reward ? data.next_streak_reward.days_to_go : "—"}</b>
                <span>
                  {data.next_streak_reward
                    ? t("m.nextReward", { points: data.next_streak_reward.points })
                    : t("m.noNextReward")}
                </span>
              </div>
            </div>
            <button className="primary" disabled={data.checked_in_today} onClick={() => void checkIn()}>
              {data.checked_in_today ? t("m.checkedInToday") : t("m.checkInNow")}
            </button>
            {notice && <p className={notice.ok ? "ok" : "error"}>{notice.text}</p>}
            <h2 style={{ marginTop: 16 }}>{data.month}</h2>
            <div className="calendar">
              {Array.from({ length: firstWeekday }, (_, i) => (
                <span key={`pad-${i}`} />
              ))}
              {data.days.map((d) =>
                d.can_make_up ? (
                  <button
                    key={d.day}
                    className="missed"
                    aria-label={t("m.makeUpDay", { day: d.day })}
                    onClick={() => void makeUp(d.day, data.makeup.cost_points)}
                  >
                    {Number(d.day.slice(8))}
                  </button>
                ) : (
                  <span
                    key={d.day}
                    className={`${d.checked_in ? "done" : ""} ${d.day === data.today ? "today" : ""}`}
                    title={d.day}
                  >
                    {Number(d.day.slice(8))}
                  </span>
                ),
              )}
            </div>
            {data.makeup.enabled && data.days.some((d) => d.can_make_up) && (
              <p className="muted">
                {t("m.makeUpHelp", { points: data.makeup.cost_points, left: data.makeup.left_this_month })}
              </p>
            )}
          </>
        )}
      </div>
    </>
  );
}
