// Tag members from a CSV (member_id, phone or card_no; optionally expires_at). The file is sent in parts of 500
// rows, so the bar shows rows sent of rows in the file; members not found are listed at the end.
import { Alert, Button, Input, Modal, Progress, Space, Typography, Upload } from "antd";
import { useState } from "react";
import { errorText } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useConsole } from "../session.tsx";
import { splitCsv } from "./csv-import.ts";

const ROWS_PER_PART = 500;

interface Outcome {
  rows: number;
  tagged: number;
  notFound: string[];
}

export function TagImportButton(props: { tagId: string; tagName: string; onDone: () => void }) {
  const { t } = useI18n();
  const { api } = useConsole();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [running, setRunning] = useState(false);
  const [sent, setSent] = useState(0);
  const [outcome, setOutcome] = useState<Outcome>();
  const [problem, setProblem] = useState<string>();
  const { rows, parts } = splitCsv(text, ROWS_PER_PART);
  const run = async () => {
    setRunning(true);
    setProblem(undefined);
    setSent(0);
    const total: Outcome = { rows, tagged: 0, notFound: [] };
    try {
      for (const [index, csv] of parts.entries()) {
        const answer = await api.post<{ tagged: number; not_found: string[] }>(
          `/v1/audience/tags/${props.tagId}/members/csv`,
          { csv },
        );
        total.tagged += answer.tagged;
        total.notFound.push(...answer.not_found);
        setSent(Math.min((index + 1) * ROWS_PER_PART, rows));
      }
      setOutcome(total);
      props.onDone();
    } catch (failure) {
      setProblem(errorText(failure));
    } finally {
      setRunning(false);
    }
  };
  const close = () => {
    setOpen(false);
    setText("");
    setOutcome(undefined);
    setProblem(undefined);
    setSent(0);
  };
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        {t("tags.import")}
      </Button>
      <Modal
        open={open}
        title={t("tags.importTitle", { name: props.tagName })}
        onCancel={close}
        footer={[
          <Button key="close" onClick={close} disabled={running}>
            {t("bulk.close")}
          </Button>,
          <Button
            key="run"
            type="primary"
            loading={running}
            disabled={rows === 0 || !!outcome}
            onClick={() => void run()}
          >
            {t("tags.importRun", { rows })}
          </Button>,
        ]}
      >
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text type="secondary">{t("tags.importHelp")}</Typography.Text>
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            beforeUpload={(file) => {
              void file.text().then(setText);
              return false;
            }}
          >
            <Button disabled={running}>{t("tags.chooseFile")}</Button>
          </Upload>
          <Input.TextArea
            rows={6}
            value={text}
            disabled={running || !!outcome}
            placeholder={"phone\n13800000001\n13800000002"}
            onChange={(e) => setText(e.target.value)}
          />
          {(running || outcome) && (
            <Progress
              percent={rows ? Math.round((sent / rows) * 100) : 0}
              status={running ? "active" : "success"}
              format={() => `${sent} / ${rows}`}
            />
          )}
          {outcome && (
            <Alert
              type={outcome.notFound.length ? "warning" : "success"}
              title={t("tags.importDone", { tagged: outcome.tagged, missing: outcome.notFound.length })}
              {...(outcome.notFound.length ? { description: outcome.notFound.slice(0, 20).join(", ") } : {})}
            />
          )}
          {problem && <Alert type="error" title={problem} />}
        </Space>
      </Modal>
    </>
  );
}
