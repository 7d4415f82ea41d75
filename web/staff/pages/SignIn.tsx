// Staff sign-in on a phone: brand, work email, password.
import { useState } from "react";
import { errorText, ApiProblem, createApi } from "../../shared/api.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import { saveSession, type StoredSession } from "../../shared/session.ts";

export function SignIn(props: { onSignedIn: (session: StoredSession) => void }) {
  const { t } = useI18n();
  const [tenant, setTenant] = useState(new URLSearchParams(location.search).get("brand") ?? "");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const api = createApi(
        () => null,
        () => undefined,
      );
      const answer = await api.post<{
        token: string;
        staff: { staff_id: string; name: string; role: string };
      }>("/v1/auth/login", {
        tenant,
        email,
        password,
      });
      const session = {
        token: answer.token,
        tenant,
        name: answer.staff.name,
        role: answer.staff.role,
        subject: answer.staff.staff_id,
      };
      saveSession("staff", session);
      props.onSignedIn(session);
    } catch (failure) {
      setError(
        failure instanceof ApiProblem && failure.status === 401
          ? t("auth.wrongCredentials")
          : errorText(failure),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div className="bar">
        <h1>{t("s.title")}</h1>
        <LangToggle />
      </div>
      <form className="section" onSubmit={(e) => void submit(e)}>
        <label htmlFor="tenant">{t("auth.brand")}</label>
        <input id="tenant" value={tenant} onChange={(e) => setTenant(e.target.value.trim())} />
        <label htmlFor="email">{t("auth.email")}</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">{t("auth.password")}</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button className="primary" type="submit" disabled={busy || !tenant || !email || !password}>
          {t("auth.signIn")}
        </button>
        {error && <p className="error">{error}</p>}
      </form>
    </>
  );
}
