// Chinese (zh-CN) and English, switchable on every page and remembered in this browser.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { type MessageKey, messages } from "./messages.ts";

export type Lang = "zh-CN" | "en";
export const LANGS: readonly Lang[] = ["zh-CN", "en"];
const STORAGE_KEY = "enclave.lang";

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

function initialLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === "zh-CN" || stored === "en") return stored;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const [zh, en] = messages[key];
  let text: string = lang === "zh-CN" ? zh : en;
  if (vars)
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

export function I18nProvider(props: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  );
  document.documentElement.lang = lang;
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

/** A plain two-way switch for the mobile faces (the console uses its own in the header). */
export function LangToggle() {
  const { lang, setLang } = useI18n();
  return (
    <button
      type="button"
      className="lang-toggle"
      aria-label="language"
      onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}
    >
      {lang === "zh-CN" ? "EN" : "中文"}
    </button>
  );
}
