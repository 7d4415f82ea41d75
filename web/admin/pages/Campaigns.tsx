// Campaigns: the list with status, create one (trigger, audience and condition, actions, guard rails), launch /
// pause / resume / end, edit a draft or a paused one (campaign-edit.ts), a dry run, each one's results per arm
// with the uplift, and the playbooks to install.
import { Alert, App, Button, Form, Popconfirm, Space, Tag } from "antd";
import { errorText } from "../../shared/api.ts";
import { useState } from "react";
import { date, dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate, Tag as TagRow } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { CampaignDryRun } from "./CampaignDryRun.tsx";
import { CampaignPlaybooks } from "./CampaignPlaybooks.tsx";
import { CampaignResults } from "./CampaignResults.tsx";
import { EMPTY_BUILDER } from "./ConditionBuilder.tsx";
import {
  type ActionRow,
  CAMPAIGN_ALIASES,
  CAMPAIGN_FIELDS,
  type CampaignForm,
  campaignBody,
} from "./campaign-body.ts";
import { CampaignFields } from "./campaign-form.tsx";
import { type MatchRow, matchAliases } from "./campaign-match.tsx";
import { type StoredCampaign, toCampaignForm } from "./campaign-edit.ts";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";

type Campaign = StoredCampaign & {
  status: "draft" | "scheduled" | "active" | "paused" | "ended";
  launched_at: string | null;
};
type Named = { name: string };

const STATUS_COLOR: Record<Campaign["status"], string | undefined> = {
  draft: undefined,
  scheduled: "blue",
  active: "green",
  paused: "orange",
  ended: undefined,
};

export default function Campaigns() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const campaigns = useLoad(() => api.get<{ items: Campaign[] }>("/v1/campaigns", { limit: 100 }), []);
  const options = useLoad(async () => {
    const [segments, coupons, packs, tags, messages] = await Promise.all([
      api.get<{ items: (Named & { segment_id: string })[] }>("/v1/audience/segments"),
      api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"),
      api.get<{ items: (Named & { pack_id: string })[] }>("/v1/coupon-packs"),
      api.get<{ items: TagRow[] }>("/v1/audience/tags"),
      api.get<{ items: (Named & { code: string })[] }>("/v1/message-templates"),
    ]);
    return {
      segments: segments.items.map((s) => ({ value: s.segment_id, label: s.name })),
      coupons: coupons.items.map((c) => ({ value: c.template_id, label: c.name })),
      packs: packs.items.map((p) => ({ value: p.pack_id, label: p.name })),
      tags: tags.items.map((tag) => ({ value: tag.tag_id, label: tag.name })),
      messages: messages.items.map((m) => ({ value: m.code, label: m.name })),
    };
  }, []);
  const [showing, setShowing] = useState<Campaign>();
  const [dryRun, setDryRun] = useState<Campaign>();
  const [playbooks, setPlaybooks] = useState(false);
  const [editing, setEditing] = useState<Campaign>();
  const paused = editing?.status === "paused";
  const campaignForm = useApiForm<CampaignForm>({
    send: (v) =>
      editing
        ? api.patch(
            `/v1/campaigns/${editing.campaign_id}`,
            campaignBody(v, {
              holdoutFixed: paused,
              hadCondition: Boolean(editing.condition),
              starts_at: editing.starts_at ?? null,
              ends_at: editing.ends_at ?? null,
            }),
          )
        : api.post("/v1/campaigns", campaignBody(v)),
    fields: CAMPAIGN_FIELDS,
    // The rows sent say which row a problem with `trigger.match.<field>` belongs under.
    aliases: (v) => ({ ...CAMPAIGN_ALIASES, ...matchAliases(v.match ?? []) }),
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: campaigns.reload }),
  });
  const triggerKind = Form.useWatch("trigger_kind", campaignForm.form);
  const hasCondition = Form.useWatch("has_condition", campaignForm.form);
  const actionRows = Form.useWatch("actions", campaignForm.form) as (ActionRow | undefined)[] | undefined;
  const matchRows = Form.useWatch("match", campaignForm.form) as (MatchRow | undefined)[] | undefined;
  const open = (c?: Campaign) => {
    setEditing(c);
    campaignForm.show(c ? toCampaignForm(c) : undefined);
  };
  const act = (c: Campaign, verb: "launch" | "pause" | "resume" | "end") =>
    void api.post(`/v1/campaigns/${c.campaign_id}/${verb}`).then(campaigns.reload, (failure: unknown) => {
      void message.error(errorText(failure));
      campaigns.reload();
    });
  const triggerText = (c: Campaign) =>
    `${t(`cmp.trigger.${c.trigger.kind as "event"}`)}: ${c.trigger.event ?? c.trigger.cron ?? c.trigger.date ?? ""}`;
  return (
    <SimpleList<Campaign>
      title={t("nav.campaigns")}
      rowKey="campaign_id"
      loaded={campaigns}
      actions={
        <Space>
          <Button onClick={() => setPlaybooks(true)}>{t("pb.title")}</Button>
          <Button type="primary" onClick={() => open()}>
            {t("cmp.new")}
          </Button>
        </Space>
      }
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        {
          title: t("coupon.status"),
          dataIndex: "status",
          render: (s: Campaign["status"]) => <Tag color={STATUS_COLOR[s]}>{t(`cmp.status.${s}`)}</Tag>,
        },
        { title: t("cmp.trigger"), render: (_, c) => triggerText(c) },
        {
          title: t("cmp.runs"),
          render: (_, c) =>
            c.starts_at || c.ends_at ? `${date(c.starts_at, lang)} – ${date(c.ends_at, lang)}` : "—",
        },
        {
          title: t("cmp.action"),
          render: (_, c) =>
            c.actions.map((a, i) => <Tag key={i}>{t(`cmp.action.${a.kind as "add_tag"}`)}</Tag>),
        },
        { title: t("cmp.holdout"), render: (_, c) => `${c.holdout_percent}%` },
        { title: t("cmp.launched"), render: (_, c) => dateTime(c.launched_at, lang) },
        {
          title: "",
          render: (_, c) => (
            <Space>
              {toCampaignForm(c) && (
                <Button size="small" onClick={() => open(c)}>
                  {t("cfg.edit")}
                </Button>
              )}
              {c.status === "draft" && (
                <Button size="small" type="primary" onClick={() => act(c, "launch")}>
                  {t("cmp.launch")}
                </Button>
              )}
              {(c.status === "active" || c.status === "scheduled") && (
                <Button size="small" onClick={() => act(c, "pause")}>
                  {t("cmp.pause")}
                </Button>
              )}
              {c.status === "paused" && (
                <Button size="small" onClick={() => act(c, "resume")}>
                  {t("cmp.resume")}
                </Button>
              )}
              {c.status !== "draft" && c.status !== "ended" && (
                <Popconfirm title={t("cmp.endConfirm")} onConfirm={() => act(c, "end")}>
                  <Button size="small" danger>
                    {t("cmp.end")}
                  </Button>
                </Popconfirm>
              )}
              {c.status !== "ended" && (
                <Button size="small" onClick={() => setDryRun(c)}>
                  {t("cmp.dryRun")}
                </Button>
              )}
              <Button size="small" onClick={() => setShowing(c)}>
                {t("cmp.results")}
              </Button>
            </Space>
          ),
        },
      ]}
    >
      <FormDrawer<CampaignForm>
        state={campaignForm}
        title={editing ? t(paused ? "cmp.editPaused" : "cmp.edit", { name: editing.name }) : t("cmp.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        width={680}
        initialValues={{
          trigger_kind: "event",
          event: "member.joined",
          match: [],
          has_condition: false,
          condition: EMPTY_BUILDER,
          actions: [{ kind: "grant_points" }],
          holdout_percent: 10,
          attribution_days: 14,
          once_per_member: true,
        }}
      >
        {paused && <Alert type="info" title={t("cmp.pausedHelp")} style={{ marginBottom: 12 }} />}
        <CampaignFields
          triggerKind={triggerKind}
          hasCondition={hasCondition}
          actionKinds={(actionRows ?? []).map((a) => a?.kind)}
          matchTypes={(matchRows ?? []).map((m) => m?.type)}
          holdoutFixed={paused}
          segments={options.data?.segments ?? []}
          coupons={options.data?.coupons ?? []}
          packs={options.data?.packs ?? []}
          tags={options.data?.tags ?? []}
          messages={options.data?.messages ?? []}
        />
      </FormDrawer>
      <CampaignPlaybooks open={playbooks} onClose={() => setPlaybooks(false)} installed={campaigns.reload} />
      {dryRun && (
        <CampaignDryRun
          campaignId={dryRun.campaign_id}
          name={dryRun.name}
          onClose={() => setDryRun(undefined)}
        />
      )}
      {showing && (
        <CampaignResults
          campaignId={showing.campaign_id}
          name={showing.name}
          onClose={() => setShowing(undefined)}
        />
      )}
    </SimpleList>
  );
}
