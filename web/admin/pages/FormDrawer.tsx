// The console's create / edit form: a drawer holding an Ant Design form whose submit calls the API and, when the
// API objects, puts each problem under the field it names (form-problems.ts). Pages keep only their fields.
import { Alert, App, Button, Drawer, Form, type FormInstance } from "antd";
import { type ReactNode, useId, useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { showProblem } from "./form-problems.ts";

export interface ApiForm<T> {
  form: FormInstance<T>;
  open: boolean;
  busy: boolean;
  problem: string | undefined;
  /** Opens the form empty (its initial values) or filled with `values` (an edit). */
  show: (values?: Partial<T>) => void;
  close: () => void;
  finish: (values: T) => void;
}

export function useApiForm<T extends object>(options: {
  /** Sends the form to the API; its rejection is shown on the form. */
  send: (values: T) => Promise<unknown>;
  /** The form's field names, to place the API's problems on. */
  fields: readonly string[];
  /** API field (`qualification.reach.growth`) → form field (`reach_growth`), where they differ; a function when
   * that depends on what was sent (a list's rows). */
  aliases?: Record<string, string> | ((values: T) => Record<string, string>);
  /** After a success: the toast to show and what to reload. */
  done: (values: T) => { toast: string; reload?: () => void };
}): ApiForm<T> {
  const [form] = Form.useForm<T>();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const show = (values?: Partial<T>) => {
    form.resetFields();
    if (values) form.setFieldsValue(values);
    setProblem(undefined);
    setOpen(true);
  };
  const finish = (values: T) => {
    setBusy(true);
    setProblem(undefined);
    options.send(values).then(
      () => {
        const { toast, reload } = options.done(values);
        void message.success(toast);
        setOpen(false);
        setBusy(false);
        reload?.();
      },
      (failure: unknown) => {
        const aliases = typeof options.aliases === "function" ? options.aliases(values) : options.aliases;
        setProblem(showProblem(form, failure, options.fields, aliases));
        setBusy(false);
      },
    );
  };
  return { form, open, busy, problem, show, close: () => setOpen(false), finish };
}

export function FormDrawer<T extends object>(props: {
  state: ApiForm<T>;
  title: string;
  initialValues?: Partial<T>;
  submitLabel?: string;
  width?: number;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { state } = props;
  // Two drawers on one page must not share input ids, or a label would name the other form's field.
  const formName = `form${useId().replace(/[^A-Za-z0-9]/g, "")}`;
  return (
    <Drawer
      open={state.open}
      size={props.width ?? 520}
      title={props.title}
      forceRender
      onClose={state.close}
      extra={
        <Button type="primary" loading={state.busy} onClick={() => state.form.submit()}>
          {props.submitLabel ?? t("common.create")}
        </Button>
      }
    >
      {state.problem && <Alert type="error" title={state.problem} style={{ marginBottom: 12 }} />}
      <Form<T>
        form={state.form}
        name={formName}
        layout="vertical"
        {...(props.initialValues ? { initialValues: props.initialValues } : {})}
        onFinish={state.finish}
      >
        {props.children}
      </Form>
    </Drawer>
  );
}
