// Progressive enhancement only: every page works without this file. It marks
// the body as able to run GOV.UK Frontend's components, then starts them.
import { initAll } from "/static/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A region marked data-live="/path" is kept current by the portal: each
// server-sent "update" event is the region rendered again on the server.
// Without this script a reload shows the same region.
for (const region of document.querySelectorAll("[data-live]")) {
  const events = new EventSource(region.dataset.live);
  events.addEventListener("update", (e) => { region.innerHTML = e.data; });
  events.addEventListener("end", () => events.close());
}
