import { Value } from "typebox/value";
import type { Executor } from "../platform/db/database.ts";
import { invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { messagingId } from "./ids.ts";
import { contentsVariables } from "./rules.ts";
import { type Contents, ContentsSchema } from "./schemas.ts";
import type { MessageCategory } from "./tables.ts";

/** A message template: its text per channel and locale, with {{variables}}. */
export interface Template {
  template_id: string;
  code: string;
  name: string;
  category: MessageCategory;
  default_locale: string;
  contents: Contents;
  variables: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "template_id",
  "code",
  "name",
  "category",
  "default_locale",
  "contents",
  "active",
  "created_at",
  "updated_at",
] as const;

type Row = Omit<Template, "contents" | "variables"> & { contents: Record<string, unknown> };

function toTemplate(row: Row): Template {
  const contents = Value.Parse(ContentsSchema, row.contents);
  return { ...row, contents, variables: contentsVariables(contents) };
}

/** Email needs a subject in every locale; the default locale must be one the contents have. */
function checkContents(contents: Contents, defaultLocale: string): void {
  for (const [locale, content] of Object.entries(contents.email ?? {})) {
    if (!content.subject) throw invalidField(`/contents/email/${locale}/subject`, "an email needs a subject");
  }
  const locales = new Set(Object.values(contents).flatMap((perLocale) => Object.keys(perLocale ?? {})));
  if (!locales.has(defaultLocale)) {
    throw invalidField("/default_locale", `${defaultLocale} is not one of the template's locales`);
  }
}

export interface TemplateInput {
  code: string;
  name: string;
  category: MessageCategory;
  default_locale?: string | undefined;
  contents: Contents;
}

export async function createTemplate(
  tx: Executor,
  tenantId: string,
  input: TemplateInput,
  brandLocale: string,
  now: Date,
): Promise<Template> {
  const locales = Object.values(input.contents).flatMap((perLocale) => Object.keys(perLocale ?? {}));
  const defaultLocale =
    input.default_locale ?? (locales.includes(brandLocale) ? brandLocale : (locales[0] ?? brandLocale));
  checkContents(input.contents, defaultLocale);
  const taken = await tx
    .selectFrom("message_templates")
    .select("template_id")
    .where("tenant_id", "=", tenantId)
    .where("code", "=", input.code)
    .executeTakeFirst();
  if (taken) {
    throw new Problem("conflict", `template code ${input.code} is already used by ${taken.template_id}`, {
      errors: [{ in: "body", field: "/code", message: "already used by another template" }],
    });
  }
  const row = await tx
    .insertInto("message_templates")
    .values({
      tenant_id: tenantId,
      template_id: messagingId("template"),
      code: input.code,
      name: input.name,
      category: input.category,
      default_locale: defaultLocale,
      contents: JSON.stringify(input.contents),
      created_at: now,
      updated_at: now,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toTemplate(row);
}

export async function listTemplates(db: Executor, tenantId: string): Promise<Template[]> {
  const rows = await db
    .selectFrom("message_templates")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("code")
    .execute();
  return rows.map(toTemplate);
}

export async function getTemplate(db: Executor, tenantId: string, templateId: string): Promise<Template> {
  const row = await db
    .selectFrom("message_templates")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", templateId)
    .executeTakeFirst();
  if (!row) throw notFound("message template", templateId);
  return toTemplate(row);
}

export async function findTemplateByCode(
  db: Executor,
  tenantId: string,
  code: string,
): Promise<Template | undefined> {
  const row = await db
    .selectFrom("message_templates")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("code", "=", code)
    .executeTakeFirst();
  return row ? toTemplate(row) : undefined;
}

export interface TemplatePatch {
  name?: string | undefined;
  category?: MessageCategory | undefined;
  default_locale?: string | undefined;
  contents?: Contents | undefined;
  active?: boolean | undefined;
}

/** Messages already recorded keep the text they were rendered with; a change applies to messages asked for later. */
export async function updateTemplate(
  tx: Executor,
  tenantId: string,
  templateId: string,
  patch: TemplatePatch,
  now: Date,
): Promise<Template> {
  const current = await getTemplate(tx, tenantId, templateId);
  const contents = patch.contents ?? current.contents;
  const defaultLocale = patch.default_locale ?? current.default_locale;
  checkContents(contents, defaultLocale);
  await tx
    .updateTable("message_templates")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      default_locale: defaultLocale,
      contents: JSON.stringify(contents),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", templateId)
    .execute();
  return getTemplate(tx, tenantId, templateId);
}
