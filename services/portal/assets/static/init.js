// Progressive enhancement only: every page works without this file. It marks
// the body as able to run GOV.UK Frontend's components, then starts them.
import { initAll } from "/static/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A region marked data-live="/path" is kept current by the portal: each
// server-sent "update" event is the region rendered again on the server.
// Without this script a reload shows the same region. Screen readers hear
// only the region's summary line (data-live-announce names it), not the
// whole region again.
let status;
for (const region of document.querySelectorAll("[data-live]")) {
  const events = new EventSource(region.dataset.live);
  events.addEventListener("update", (e) => {
    region.innerHTML = e.data;
    const summary = region.dataset.liveAnnounce && region.querySelector(region.dataset.liveAnnounce);
    if (summary) {
      if (!status) {
        status = document.createElement("div");
        status.setAttribute("role", "status");
        status.className = "govuk-visually-hidden";
        document.body.append(status);
      }
      status.textContent = summary.textContent.trim();
    }
  });
  events.addEventListener("end", () => events.close());
}
