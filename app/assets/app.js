// Initialise GOV.UK Frontend components on every page, the parts of forms shown only after
// an answer, and the timeout warning when signed in.
import { initAll } from "./govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout-warning.js";
import { initReveals } from "./reveal.js";

initAll();
initReveals();

const timeoutWarning = document.querySelector("[data-module='app-timeout-warning']");
if (timeoutWarning) initTimeoutWarning(timeoutWarning);
