import { LangToggle } from "../../shared/i18n.tsx";

export function Header(props: { title: string }) {
  return (
    <div className="bar">
      <h1>{props.title}</h1>
      <LangToggle />
    </div>
  );
}
