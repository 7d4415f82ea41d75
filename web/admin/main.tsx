// The admin console for brand operators: sign-in, dashboard, members, configuration.
import { createRoot } from "react-dom/client";
import { I18nProvider } from "../shared/i18n.tsx";
import { App } from "./App.tsx";

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <I18nProvider>
      <App />
    </I18nProvider>,
  );
