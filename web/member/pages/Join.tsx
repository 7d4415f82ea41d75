// Join (or sign in) with a phone number and a one-time code. Reached from a QR code whose link carries the
// brand and the scene (`/m/join?brand=demo&scene=store:…&store=ou_…&guide=stf_…`), so the card records where
// the member came from.
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { errorText, ApiProblem, createApi } from "../../shared/api.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import { saveSession, type StoredSession } from "../../shared/session.ts";

const LAST_BRAND = "enclave.member.brand";

interface ChannelCode {
  name: string;
  welcome_coupon: boolean;
}

export function Join(props: { onJoined: (session: StoredSession) => void }) {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [brand, setBrand] = useState(params.get("brand") ?? localStorage.getItem(LAST_BRAND) ?? "");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [hint, setHint] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const scene = params.get("scene");
  const api = createApi(
    () => null,
    () => undefined,
  );
  // Opened from a channel QR code: count the scan and name the code (joining with its scene gives the member the
  // code's store, guide, tags and welcome coupon on the server).
  const [channel, setChannel] = useState<ChannelCode>();
  useEffect(() => {
    const slug = params.get("brand");
    if (!scene || !slug) return;
    api
      .post<ChannelCode>("/v1/channel-codes/scans", { tenant: slug, scene_key: scene })
      .then(setChannel, () => {
        // not a channel code (a poster, an invite link): joining still records the scene
      });
    // once per opened link
  }, []);

  const problemText = (failure: unknown) =>
    failure instanceof ApiProblem && failure.status === 404 ? t("m.unknownBrand") : errorText(failure);

  const sendCode = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.post<{ demo_code?: string }>("/v1/auth/otp", { tenant: brand, phone });
      setSent(true);
      if (answer.demo_code) {
        setCode(answer.demo_code);
        setHint(t("m.demoCode", { code: answer.demo_code }));
      }
    } catch (failure) {
      setError(problemText(failure));
    } finally {
      setBusy(false);
    }
  };

  const verify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const optional = (name: string, value: string | null) => (value ? { [name]: value } : {});
      const answer = await api.post<{ token: string; member: { name: string | null } }>(
        "/v1/auth/otp/verify",
        {
          tenant: brand,
          phone,
          code,
          ...optional("scene_key", scene),
          ...optional("store_id", params.get("store")),
          ...optional("guide_id", params.get("guide")),
        },
      );
      localStorage.setItem(LAST_BRAND, brand);
      const session = { token: answer.token, tenant: brand, name: answer.member.name ?? undefined };
      saveSession("member", session);
      props.onJoined(session);
    } catch (failure) {
      setError(problemText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div className="bar">
        <h1>{scene ? t("m.joinTitle") : t("m.signInTitle")}</h1>
        <LangToggle />
      </div>
      <div className="section">
        <p className="muted">{scene ? t("m.joinIntro") : t("m.signInIntro")}</p>
        {channel && (
          <p className="ok" data-testid="channel">
            {channel.name}
            {channel.welcome_coupon && ` · ${t("m.welcomeGift")}`}
          </p>
        )}
        {!params.get("brand") && (
          <>
            <label htmlFor="brand">{t("auth.brand")}</label>
            <input id="brand" value={brand} onChange={(e) => setBrand(e.target.value.trim())} />
          </>
        )}
        <label htmlFor="phone">{t("member.phone")}</label>
        <input
          id="phone"
          inputMode="tel"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value.trim())}
        />
        {!sent ? (
          <button
            className="primary"
            disabled={busy || !brand || phone.length < 3}
            onClick={() => void sendCode()}
          >
            {t("m.sendCode")}
          </button>
        ) : (
          <>
            <label htmlFor="code">{t("m.code")}</label>
            <input
              id="code"
              inputMode="numeric"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.trim())}
            />
            {hint && <p className="muted">{hint}</p>}
            <button className="primary" disabled={busy || code.length !== 6} onClick={() => void verify()}>
              {scene ? t("m.join") : t("auth.signIn")}
            </button>
          </>
        )}
        {error && <p className="error">{error}</p>}
      </div>
    </>
  );
}
