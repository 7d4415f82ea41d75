// Issue a coupon to every member of a segment. The coupon API also takes `audience.segment_id`, but that is one
// all-or-nothing call (up to 10,000 members) that says nothing until it is done; to show honest progress the page
// reads the segment's members page by page, then issues in batches of member ids, showing how far it is. Each batch
// has its own reference, so a retry after a failure issues nothing twice.
import { Alert, Button, Modal, Progress, Select, Space, Typography } from "antd";
import { useState } from "react";
import { errorText, type Page } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";

interface IssueResult {
  members: number;
  issued: number;
  skipped_count: number;
}

const READ_PAGE = 500;
const ISSUE_BATCH = 1_000;

export function BulkIssueButton(props: { segmentId: string; segmentName: string; memberCount: number }) {
  const { t } = useI18n();
  const { api } = useConsole();
  const [open, setOpen] = useState(false);
  const [template, setTemplate] = useState<string>();
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<IssueResult>();
  const [problem, setProblem] = useState<string>();
  const templates = useLoad(
    () =>
      open ? api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates") : Promise.resolve({ items: [] }),
    [open],
  );
  const [progress, setProgress] = useState(0);
  const [reference] = useState(() => crypto.randomUUID());
  const issue = async () => {
    setRunning(true);
    setProblem(undefined);
    setResult(undefined);
    setProgress(0);
    try {
      const ids: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await api.get<Page<{ member_id: string }>>(
          `/v1/audience/segments/${props.segmentId}/members`,
          { limit: READ_PAGE, cursor },
        );
        ids.push(...page.items.map((m) => m.member_id));
        cursor = page.next_cursor;
        setProgress(Math.min(ids.length / Math.max(1, props.memberCount), 1) * 20);
      } while (cursor);
      const total: IssueResult = { members: 0, issued: 0, skipped_count: 0 };
      for (let start = 0; start < ids.length; start += ISSUE_BATCH) {
        const batch = await api.post<IssueResult>("/v1/coupon-issues", {
          template_code: template,
          audience: { member_ids: ids.slice(start, start + ISSUE_BATCH) },
          reference: `${reference}-${start / ISSUE_BATCH}`,
        });
        total.members += batch.members;
        total.issued += batch.issued;
        total.skipped_count += batch.skipped_count;
        setProgress(20 + (Math.min(start + ISSUE_BATCH, ids.length) / ids.length) * 80);
      }
      setProgress(100);
      setResult(total);
    } catch (failure) {
      setProblem(errorText(failure));
    } finally {
      setRunning(false);
    }
  };
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        {t("action.issueCoupon")}
      </Button>
      <Modal
        open={open}
        title={t("bulk.title", { name: props.segmentName })}
        onCancel={() => setOpen(false)}
        footer={[
          <Button key="close" onClick={() => setOpen(false)} disabled={running}>
            {t("bulk.close")}
          </Button>,
          <Button
            key="issue"
            type="primary"
            loading={running}
            disabled={!template || !!result}
            onClick={() => void issue()}
          >
            {t("s.issue")}
          </Button>,
        ]}
      >
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Select
            style={{ width: "100%" }}
            placeholder={t("s.chooseCoupon")}
            value={template}
            onChange={setTemplate}
            disabled={running || !!result}
            options={(templates.data?.items ?? []).map((tpl) => ({ value: tpl.code, label: tpl.name }))}
          />
          {(running || result) && (
            <>
              <Progress percent={Math.round(progress)} status={running ? "active" : "success"} />
              {running && <Typography.Text type="secondary">{t("bulk.running")}</Typography.Text>}
            </>
          )}
          {result && (
            <Alert
              type="success"
              title={t("bulk.done", {
                issued: result.issued,
                members: result.members,
                skipped: result.skipped_count,
              })}
            />
          )}
          {problem && <Alert type="error" title={problem} />}
        </Space>
      </Modal>
    </>
  );
}
