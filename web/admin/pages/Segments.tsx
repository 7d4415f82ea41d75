// Saved segments, with the condition builder to define a new one.
import { Card, Typography } from "antd";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { BulkIssueButton } from "./BulkIssue.tsx";
import { FilterMembers } from "./Members.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface Segment {
  segment_id: string;
  name: string;
  condition: unknown;
  member_count: number;
  updated_at?: string;
}

export default function Segments() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const segments = useLoad(() => api.get<{ items: Segment[] }>("/v1/audience/segments"), []);
  return (
    <SimpleList<Segment>
      title={t("nav.segments")}
      rowKey="segment_id"
      loaded={segments}
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("nav.members"), dataIndex: "member_count" },
        {
          title: t("segments.condition"),
          dataIndex: "condition",
          render: (c: unknown) => <Typography.Text code>{JSON.stringify(c)}</Typography.Text>,
        },
        { title: t("common.updated"), dataIndex: "updated_at", render: (v?: string) => dateTime(v, lang) },
        {
          title: "",
          render: (_, seg) => (
            <BulkIssueButton
              segmentId={seg.segment_id}
              segmentName={seg.name}
              memberCount={seg.member_count}
            />
          ),
        },
      ]}
    >
      <Card size="small" title={t("segments.new")}>
        <FilterMembers />
      </Card>
    </SimpleList>
  );
}
