// Initialise GOV.UK Frontend components on every page, and the timeout warning when signed in.
import { initAll } from "./govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout-warning.js";

initAll();

const timeoutWarning = document.querySelector("[data-module='app-timeout-warning']");
if (timeoutWarning) initTimeoutWarning(timeoutWarning);
