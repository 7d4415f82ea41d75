// Playbooks: ready-made campaigns (GET /v1/campaigns/playbooks) with an Install button each, which creates their
// campaigns as drafts (POST /v1/campaigns/playbooks/{key}/install). A refusal is shown on the playbook it concerns.
import { Alert, App, Button, Card, Drawer, Space, Spin, Tag, Typography } from "antd";
import { useState } from "react";
import { errorText } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";

interface Playbook {
  key: string;
  name: string;
  description: string;
  campaigns: string[];
}

export function CampaignPlaybooks(props: { open: boolean; onClose: () => void; installed: () => void }) {
  const { t } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const playbooks = useLoad(() => api.get<{ items: Playbook[] }>("/v1/campaigns/playbooks"), []);
  const [busy, setBusy] = useState<string>();
  const [problems, setProblems] = useState<Record<string, string>>({});
  const install = (p: Playbook) => {
    setBusy(p.key);
    setProblems((all) => ({ ...all, [p.key]: "" }));
    api.post<{ items: unknown[] }>(`/v1/campaigns/playbooks/${encodeURIComponent(p.key)}/install`).then(
      (done) => {
        setBusy(undefined);
        void message.success(t("pb.installed", { name: p.name, n: String(done.items.length) }));
        props.installed();
      },
      (failure: unknown) => {
        setBusy(undefined);
        setProblems((all) => ({ ...all, [p.key]: errorText(failure) }));
      },
    );
  };
  return (
    <Drawer open={props.open} size={560} title={t("pb.title")} onClose={props.onClose}>
      <Typography.Paragraph type="secondary">{t("pb.help")}</Typography.Paragraph>
      {playbooks.error !== undefined && <Alert type="error" title={errorText(playbooks.error)} />}
      {!playbooks.data && playbooks.error === undefined && <Spin />}
      <Space orientation="vertical" style={{ width: "100%" }}>
        {playbooks.data?.items.map((p) => (
          <Card
            key={p.key}
            size="small"
            title={p.name}
            data-testid={`playbook-${p.key}`}
            extra={
              <Button size="small" type="primary" loading={busy === p.key} onClick={() => install(p)}>
                {t("pb.install")}
              </Button>
            }
          >
            <Typography.Paragraph>{p.description}</Typography.Paragraph>
            <Space wrap>
              <Typography.Text type="secondary">{t("pb.drafts")}</Typography.Text>
              {p.campaigns.map((name) => (
                <Tag key={name}>{name}</Tag>
              ))}
            </Space>
            {problems[p.key] && <Alert type="error" title={problems[p.key]} style={{ marginTop: 8 }} />}
          </Card>
        ))}
      </Space>
    </Drawer>
  );
}
