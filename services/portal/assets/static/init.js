// Progressive enhancement only: every page works without this file. It marks
// the body as able to run GOV.UK Frontend's components, then starts them.
import { initAll } from "/static/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
