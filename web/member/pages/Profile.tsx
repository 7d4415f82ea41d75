// My profile and marketing consent.
import { useEffect, useState } from "react";
import { errorText, ApiProblem, fieldErrors } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { Member } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useMember } from "../context.ts";
import { Header } from "./Header.tsx";

const CONSENTS = ["sms", "email", "im"] as const;

export function Profile() {
  const { t } = useI18n();
  const { api, signOut } = useMember();
  const me = useLoad(() => api.get<Member>("/v1/me"), []);
  const [name, setName] = useState("");
  const [birthday, setBirthday] = useState("");
  const [gender, setGender] = useState("unknown");
  const [consent, setConsent] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  useEffect(() => {
    if (!me.data) return;
    setName(me.data.name ?? "");
    setBirthday(me.data.birthday ?? "");
    setGender(me.data.gender ?? "unknown");
    setConsent(Object.fromEntries(CONSENTS.map((c) => [c, me.data?.consent[c]?.granted ?? false])));
  }, [me.data]);
  const save = async () => {
    setErrors({});
    setNotice(undefined);
    try {
      await api.patch("/v1/me", {
        name: name.trim() || null,
        birthday: birthday || null,
        gender,
        consent,
      });
      setNotice(t("m.saved"));
    } catch (failure) {
      setErrors(fieldErrors(failure));
      if (!(failure instanceof ApiProblem) || !failure.field) setNotice(errorText(failure));
    }
  };
  return (
    <>
      <Header title={t("m.tab.me")} />
      <div className="section">
        <label htmlFor="name">{t("member.name")}</label>
        <input id="name" value={name} onChange={(e) => setName(e.target.value)} />
        {errors.name && <p className="error">{errors.name}</p>}
        <label htmlFor="birthday">{t("member.birthday")}</label>
        <input id="birthday" type="date" value={birthday} onChange={(e) => setBirthday(e.target.value)} />
        {errors.birthday && <p className="error">{errors.birthday}</p>}
        <label htmlFor="gender">{t("member.gender")}</label>
        <select id="gender" value={gender} onChange={(e) => setGender(e.target.value)}>
          {["female", "male", "other", "unknown"].map((g) => (
            <option key={g} value={g}>
              {t(`gender.${g}` as "gender.female")}
            </option>
          ))}
        </select>
        <h2 style={{ marginTop: 16 }}>{t("member.consent")}</h2>
        {CONSENTS.map((c) => (
          <label key={c} style={{ display: "flex", alignItems: "center" }}>
            <input
              type="checkbox"
              checked={consent[c] ?? false}
              onChange={(e) => setConsent({ ...consent, [c]: e.target.checked })}
            />
            {t(`consent.${c}` as "consent.sms")}
          </label>
        ))}
        <button className="primary" onClick={() => void save()}>
          {t("common.save")}
        </button>
        {notice && <p className="ok">{notice}</p>}
        <button className="small" style={{ marginTop: 16 }} onClick={signOut}>
          {t("auth.signOut")}
        </button>
      </div>
    </>
  );
}
