import { Alert, Button, Card, Form, Input, Segmented, Typography } from "antd";
import { useState } from "react";
import { errorText, ApiProblem, createApi } from "../../shared/api.ts";
import { type Lang, useI18n } from "../../shared/i18n.tsx";
import { saveSession, type StoredSession } from "../../shared/session.ts";

interface LoginForm {
  tenant: string;
  email: string;
  password: string;
}
interface LoginAnswer {
  token: string;
  staff: { staff_id: string; name: string; role: string };
}

export function Login(props: { onSignedIn: (session: StoredSession) => void }) {
  const { t, lang, setLang } = useI18n();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: LoginForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const api = createApi(
        () => null,
        () => undefined,
      );
      const answer = await api.post<LoginAnswer>("/v1/auth/login", values);
      const session = {
        token: answer.token,
        tenant: values.tenant,
        name: answer.staff.name,
        role: answer.staff.role,
        subject: answer.staff.staff_id,
      };
      saveSession("admin", session);
      props.onSignedIn(session);
    } catch (problem) {
      setError(
        problem instanceof ApiProblem && problem.status === 401
          ? t("auth.wrongCredentials")
          : errorText(problem),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#f0f5f4" }}>
      <Card style={{ width: 380 }}>
        <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
          <Typography.Title level={3} style={{ margin: 0, color: "#0f766e" }}>
            Enclave
          </Typography.Title>
          <Segmented<Lang>
            size="small"
            value={lang}
            onChange={setLang}
            options={[
              { label: "中文", value: "zh-CN" },
              { label: "EN", value: "en" },
            ]}
          />
        </div>
        <Typography.Paragraph type="secondary">{t("auth.consoleTitle")}</Typography.Paragraph>
        {error && <Alert type="error" title={error} style={{ marginBottom: 16 }} />}
        <Form<LoginForm>
          layout="vertical"
          onFinish={(v) => void submit(v)}
          initialValues={{ tenant: new URLSearchParams(location.search).get("brand") ?? "" }}
        >
          <Form.Item label={t("auth.brand")} name="tenant" rules={[{ required: true }]}>
            <Input placeholder="demo" />
          </Form.Item>
          <Form.Item label={t("auth.email")} name="email" rules={[{ required: true }]}>
            <Input type="email" autoComplete="username" />
          </Form.Item>
          <Form.Item label={t("auth.password")} name="password" rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t("auth.signIn")}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
