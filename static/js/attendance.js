// The meeting sheet: live attendance totals, the reason box only for absences, one more task row on
// demand, a save that keeps the page when the connection drops, and the sheet kept as it is typed: in the
// phone's storage (restored on return, cleared once saved), as a server draft while online, and a warning
// before leaving with changes not saved. Without JavaScript the page is a plain form and works the same.
(function () {
  "use strict";
  var form = document.getElementById("meeting-sheet");
  if (!form) return;

  function rows() { return form.querySelectorAll(".attendance-row"); }

  function update() {
    var totals = { expected: 0, present: 0, excused: 0, unexcused: 0 };
    rows().forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      var status = checked ? checked.value : "present";
      totals.expected += 1;
      totals[status] += 1;
      var reason = row.querySelector(".reason");
      var input = reason.querySelector("input");
      var needed = status !== "present";
      reason.classList.toggle("d-none", !needed && !input.classList.contains("is-invalid"));
      input.required = status === "excused";
    });
    Object.keys(totals).forEach(function (key) {
      var node = form.querySelector('[data-total="' + key + '"]');
      if (node) node.textContent = totals[key];
    });
    var percent = form.querySelector('[data-total="percent"]');
    if (percent) percent.textContent = totals.expected ? Math.round(100 * totals.present / totals.expected) + "%" : "";
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches(".attendance-row input[type=radio]")) {
      update();
      var row = event.target.closest(".attendance-row");
      if (event.target.value === "excused") {
        var reason = row.querySelector(".reason input");
        if (!reason.value) reason.focus();
      }
    }
  });
  update();

  var hidden = form.querySelectorAll(".task-row.js-hidden");
  var add = document.getElementById("add-task");
  hidden.forEach(function (row) { row.classList.add("d-none"); });
  if (add && hidden.length) {
    add.classList.remove("d-none");
    add.addEventListener("click", function () {
      var next = form.querySelector(".task-row.js-hidden.d-none");
      if (next) {
        next.classList.remove("d-none");
        next.querySelector("input").focus();
      }
      if (!form.querySelector(".task-row.js-hidden.d-none")) add.classList.add("d-none");
    });
  }

  // --- Kept as typed. The copy in the phone's storage belongs to this page and this version of the draft:
  // a copy of an older version (someone saved since) is not laid over the newer one.
  var KEEP = "phuthang:sheet:" + window.location.pathname;
  var version = form.querySelector("input[name=version]");
  var dirty = false;
  var timer = null;
  var edits = 0;  // counts what is typed, so a background save answered late does not hide later typing
  var inflight = null;  // a background save under way: the secretary's own save waits for its new version
  var NEW_TASK = /^task_(text|assignee|due)_/;

  function storage() { try { return window.localStorage; } catch (e) { return null; } }

  function fields() {
    var kept = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "version" || el.type === "submit") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      kept.push([el.name, el.value]);
    });
    return kept;
  }

  function keep() {
    var store = storage();
    if (store) store.setItem(KEEP, JSON.stringify({ version: version.value, fields: fields() }));
  }

  function forget() {
    var store = storage();
    if (store) store.removeItem(KEEP);
  }

  function restore() {
    var store = storage();
    var kept = null;
    try { kept = store && JSON.parse(store.getItem(KEEP) || "null"); } catch (e) { kept = null; }
    if (!kept || kept.version !== version.value) { forget(); return; }
    var values = {};
    kept.fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "version" || el.type === "submit") return;
      if (el.type === "radio") {
        var on = values[el.name] === el.value;
        if (el.checked !== on) { el.checked = on; changed = true; }
      } else if (el.type === "checkbox") {
        var ticked = el.name in values;
        if (el.checked !== ticked) { el.checked = ticked; changed = true; }
      } else if (el.name in values && el.value !== values[el.name]) {
        el.value = values[el.name];
        changed = true;
      }
    });
    if (changed) {
      dirty = true;
      form.querySelectorAll(".task-row.js-hidden").forEach(function (row) {
        if (row.querySelector("input").value) row.classList.remove("d-none", "js-hidden");
      });
      var note = document.getElementById("restored");
      if (note) note.classList.remove("d-none");
    }
  }

  // In the background, while online: the draft as typed, less the new task rows (a task is created by the
  // save that sends it, so only the secretary's own save sends them) and never a finalise.
  function saveInBackground() {
    timer = null;
    if (!dirty || !window.fetch || !window.FormData || navigator.onLine === false) return;
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (key) { if (NEW_TASK.test(key)) data.delete(key); });
    data.append("save", "1");
    var sentVersion = version.value;
    var sentEdits = edits;
    inflight = fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.redirected) return;  // refused (a field to correct, or someone else saved): kept here
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var saved = page.querySelector("#meeting-sheet input[name=version]");
          if (!saved || version.value !== sentVersion) return;
          version.value = saved.value;
          var pending = edits !== sentEdits || fields().some(function (pair) { return NEW_TASK.test(pair[0]) && pair[1]; });
          dirty = pending;
          if (pending) keep(); else forget();
        });
      })
      .catch(function () { /* offline: the copy in the phone's storage stays */ })
      .then(function () { inflight = null; });
  }

  function typed() {
    dirty = true;
    edits += 1;
    keep();
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(saveInBackground, 2000);
  }

  function warn(event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  }

  restore();
  if (document.getElementById("error-summary") || document.querySelector("[data-testid=rejected]")) dirty = true;
  else if (dirty) timer = window.setTimeout(saveInBackground, 2000);  // restored: send it on as a draft
  update();
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  window.addEventListener("beforeunload", warn);
  window.addEventListener("online", function () { if (dirty) saveInBackground(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) saveInBackground();
  });

  // Post with fetch so that a dropped connection leaves everything typed on the page, with a message.
  form.addEventListener("submit", function (event) {
    dirty = false;  // leaving by the Save buttons is not leaving with unsaved changes
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var failed = document.getElementById("save-failed");
    var submitter = event.submitter;
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    (inflight || Promise.resolve())
      .then(function () {
        var data = new FormData(form);
        if (submitter && submitter.name) data.append(submitter.name, submitter.value);
        return fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" });
      })
      .then(function (response) {
        return response.text().then(function (html) {
          // fetch followed the redirect and its page already holds the one-time "saved" message: show that
          // page rather than load it again, which would find the message gone.
          if (response.redirected) {
            forget();  // saved: the copy in the phone's storage has done its job
            window.history.replaceState(null, "", response.url);
          } else {
            dirty = true;  // refused: still not saved
            keep();
          }
          window.removeEventListener("beforeunload", warn);  // the page written next sets its own
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () {
        dirty = true;
        buttons.forEach(function (b) { b.disabled = false; });
        failed.classList.remove("d-none");
        failed.scrollIntoView({ block: "center" });
      });
  });
})();
