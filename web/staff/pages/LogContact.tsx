// Logging a contact with one of my members (a call, a chat, a visit…): it counts towards my contact tasks.
// Opened from a task's to-do list, the card goes back to it once the contact is logged.
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { errorText } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useStaff } from "../context.ts";

const CHANNELS = ["call", "chat", "sms", "visit", "other"] as const;

export function LogContact(props: { memberId: string }) {
  const { t } = useI18n();
  const { api } = useStaff();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const task = params.get("task");
  const [channel, setChannel] = useState<(typeof CHANNELS)[number]>("call");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();

  const log = async () => {
    setBusy(true);
    setNotice(undefined);
    try {
      const result = await api.post<{ credited: number }>("/v1/staff-contacts", {
        member_id: props.memberId,
        channel,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setNote("");
      if (task) void navigate(`/tasks/${encodeURIComponent(task)}`);
      else setNotice({ ok: true, text: t("s.contactLogged", { n: result.credited }) });
    } catch (failure) {
      setNotice({ ok: false, text: errorText(failure) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="section">
      <h2>{t("s.logContact")}</h2>
      <select
        aria-label={t("s.contactChannel")}
        value={channel}
        onChange={(e) => setChannel(e.target.value as (typeof CHANNELS)[number])}
      >
        {CHANNELS.map((c) => (
          <option key={c} value={c}>
            {t(`s.contact.${c}`)}
          </option>
        ))}
      </select>
      <textarea
        aria-label={t("s.contactNote")}
        placeholder={t("s.contactNote")}
        maxLength={2000}
        rows={3}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        style={{ width: "100%", boxSizing: "border-box", marginTop: 8 }}
      />
      <button className="primary" disabled={busy} onClick={() => void log()}>
        {t("s.logContactButton")}
      </button>
      {notice && <p className={notice.ok ? "ok" : "error"}>{notice.text}</p>}
    </div>
  );
}
