// One settings document as a form: loads the brand's current values, saves them (PATCH or PUT, as the route takes)
// and puts the API's problems under the field they name (form-problems.ts), like the create / edit drawers.
import { Alert, App, Button, Card, Form, type FormInstance, Spin, Typography } from "antd";
import { type ReactNode, useId, useState } from "react";
import { errorText } from "../../../shared/api.ts";
import { useI18n } from "../../../shared/i18n.tsx";
import { useLoad } from "../../../shared/useLoad.ts";
import { showProblem } from "../form-problems.ts";

export function SettingsForm<S, F extends object>(props: {
  title: string;
  /** One line under the title: what the document governs and when changes apply. */
  intro?: string;
  load: () => Promise<S>;
  /** Sends the form; answers the document as the API now holds it. */
  save: (values: F, form: FormInstance<F>) => Promise<S>;
  toForm: (settings: S) => F;
  /** Dotted form field names (`stages.silent_days`) the API's problems may land on, given what was sent. */
  fields: readonly string[] | ((values: F) => readonly string[]);
  /** API field → form field where they differ (`points_payment.unit_minor` → `points_payment.unit_yuan`). */
  aliases?: Record<string, string>;
  /** The fields, given the form (for fields shown only for some choices). */
  children: (form: FormInstance<F>) => ReactNode;
  testId?: string;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<F>();
  const loaded = useLoad(props.load, []);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  // Tabs keep their panes mounted: two forms must not share input ids, or a label would name the other's field.
  const formName = `settings${useId().replace(/[^A-Za-z0-9]/g, "")}`;
  const finish = (values: F) => {
    setBusy(true);
    setProblem(undefined);
    props.save(values, form).then(
      (saved) => {
        // What the API holds now (a generated webhook secret, defaults filled in) replaces what was typed.
        form.setFieldsValue(props.toForm(saved));
        void message.success(t("set.saved", { name: props.title }));
        setBusy(false);
      },
      (failure: unknown) => {
        const fields = typeof props.fields === "function" ? props.fields(values) : props.fields;
        setProblem(showProblem(form, failure, fields, props.aliases));
        setBusy(false);
      },
    );
  };
  return (
    <Card
      size="small"
      data-testid={props.testId}
      title={<Typography.Text strong>{props.title}</Typography.Text>}
      extra={
        <Button type="primary" loading={busy} disabled={!loaded.data} onClick={() => form.submit()}>
          {t("common.save")}
        </Button>
      }
    >
      {props.intro && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
          {props.intro}
        </Typography.Paragraph>
      )}
      {loaded.error !== undefined && <Alert type="error" title={errorText(loaded.error)} />}
      {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
      {loaded.loading && !loaded.data && <Spin />}
      {loaded.data !== undefined && (
        <Form<F>
          form={form}
          name={formName}
          layout="vertical"
          initialValues={props.toForm(loaded.data)}
          onFinish={finish}
        >
          {props.children(form)}
        </Form>
      )}
    </Card>
  );
}
