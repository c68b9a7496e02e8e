// The needs page's counter: reads the SSDA903 episodes and header files in
// this browser, counts them with the kit's own reader (needs.wasm, the
// services/kit/ssda903 package compiled to WebAssembly) and puts only the
// counts in the send form. The files never leave the browser: the file
// inputs have no name and sit outside the form that posts. Without this
// file (or WebAssembly) the page explains carecoop import-903 instead.
import "/static/wasm_exec.js";

const countForm = document.getElementById("needs-count");
const sendForm = document.getElementById("needs-send");

// counter loads needs.wasm once, on the first count (it is a few MB).
let counter;
function loadCounter() {
  counter ??= (async () => {
    const go = new globalThis.Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch("/static/needs.wasm"), go.importObject);
    go.run(instance); // main publishes carecoopCount903 and then waits for calls
    return globalThis.carecoopCount903;
  })();
  return counter;
}

const byId = (id) => document.getElementById(id);
const title = document.title;

// clearErrors takes every error off the page.
function clearErrors() {
  byId("needs-errors").hidden = true;
  byId("needs-errors-list").replaceChildren();
  document.title = title;
  for (const field of ["needs-episodes", "needs-header", "needs-as-at"]) {
    byId(field + "-group").classList.remove("govuk-form-group--error");
    const msg = byId(field + "-error");
    msg.hidden = true;
    msg.replaceChildren();
  }
  for (const input of countForm.querySelectorAll(".govuk-input--error, .govuk-file-upload--error")) {
    input.classList.remove("govuk-input--error", "govuk-file-upload--error");
  }
}

// showErrors shows the design system's error summary, each error linked to
// its field and shown at the field too (errors: [{field, message}]; field
// "" for a problem of the extract as a whole).
function showErrors(heading, errors) {
  byId("needs-errors-title").textContent = heading;
  const list = byId("needs-errors-list");
  for (const e of errors) {
    const li = document.createElement("li");
    if (e.field) {
      const a = document.createElement("a");
      a.href = "#" + (e.field === "needs-as-at" ? "needs-as-at-day" : e.field);
      a.textContent = e.message;
      li.append(a);
    } else {
      li.textContent = e.message;
    }
    list.append(li);
  }
  for (const e of errors.filter((e) => e.inline)) {
    byId(e.field + "-group").classList.add("govuk-form-group--error");
    const msg = byId(e.field + "-error");
    if (msg.hidden) {
      const hidden = document.createElement("span");
      hidden.className = "govuk-visually-hidden";
      hidden.textContent = "Error: ";
      msg.append(hidden, e.message);
      msg.hidden = false;
    }
    const input = e.field === "needs-as-at" ? countForm.querySelectorAll("#needs-as-at input") : [byId(e.field)];
    for (const i of input) {
      i.classList.add(i.type === "file" ? "govuk-file-upload--error" : "govuk-input--error");
    }
  }
  document.title = "Error: " + title;
  sendForm.hidden = true;
  const summary = byId("needs-errors");
  summary.hidden = false;
  summary.focus();
}

// asAt is the date to count on as YYYY-MM-DD, or "" if it is not a date.
function asAt() {
  const part = (p) => byId("needs-as-at-" + p).value.trim();
  const [d, m, y] = [part("day"), part("month"), part("year")];
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) {
    return "";
  }
  const date = new Date(Date.UTC(+y, +m - 1, +d));
  if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +m - 1 || date.getUTCDate() !== +d) {
    return "";
  }
  return date.toISOString().slice(0, 10);
}

function words(iso) {
  return new Date(iso + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

async function count(event) {
  event.preventDefault();
  clearErrors();
  const episodes = byId("needs-episodes").files[0];
  const header = byId("needs-header").files[0];
  const date = asAt();
  const errors = [];
  if (!episodes) {
    errors.push({ field: "needs-episodes", inline: true, message: "Choose the episodes file" });
  }
  if (!header) {
    errors.push({ field: "needs-header", inline: true, message: "Choose the header file" });
  }
  if (!date) {
    errors.push({ field: "needs-as-at", inline: true, message: "The date to count on must be a real date, for example 31 3 2026" });
  } else if (date > new Date().toISOString().slice(0, 10)) {
    errors.push({ field: "needs-as-at", inline: true, message: "The date to count on must be today or in the past" });
  }
  if (errors.length > 0) {
    showErrors("There is a problem", errors);
    return;
  }
  const status = byId("needs-status");
  status.textContent = "Counting the children in your browser…";
  let res;
  try {
    const [run, ep, hd] = await Promise.all([loadCounter(), episodes.text(), header.text()]);
    res = JSON.parse(run(ep, hd, countForm.dataset.la, date, episodes.name, header.name));
  } catch (err) {
    status.textContent = "";
    showErrors("There is a problem", [{ field: "needs-episodes", message: "The files could not be counted in this browser: use carecoop import-903 instead" }]);
    return;
  }
  status.textContent = "";
  if (res.error) {
    showErrors("There is a problem", [{ field: "needs-as-at", inline: true, message: res.error }]);
    return;
  }
  if (res.problems) {
    // The kit's report, as import-903 prints it: each problem by file,
    // line and column, linked to the file's field.
    showErrors(
      "The extract has problems: fix them and count again",
      res.problems.map((p) => ({ field: p.startsWith(header.name + ":") ? "needs-header" : "needs-episodes", message: p })),
    );
    return;
  }
  byId("needs-counts").value = res.counts;
  byId("needs-check-date").textContent = words(res.asAt);
  byId("needs-check-children").textContent = String(res.children);
  byId("needs-check-cells").textContent = String(res.cells);
  byId("needs-summary").textContent = res.summary;
  byId("needs-empty").hidden = res.children !== 0;
  sendForm.hidden = false;
  byId("needs-check-heading").focus();
}

if (countForm && sendForm && typeof WebAssembly === "object" && WebAssembly.instantiateStreaming) {
  byId("needs-nojs").hidden = true;
  countForm.hidden = false;
  countForm.addEventListener("submit", count);
  // Counts of other files or another date must not be sent by mistake.
  countForm.addEventListener("change", () => {
    sendForm.hidden = true;
    byId("needs-counts").value = "";
  });
}
