// The member center: card, points, coupons, mall and profile, for a phone browser.
import "../shared/mobile.css";
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
