// The meeting sheet: live attendance totals, the reason box only for absences, one more task row on
// demand, and a save that keeps the page when the connection drops. Without JavaScript the page is a
// plain form and works the same.
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

  // Post with fetch so that a dropped connection leaves everything typed on the page, with a message.
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var failed = document.getElementById("save-failed");
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          // fetch followed the redirect and its page already holds the one-time "saved" message: show that
          // page rather than load it again, which would find the message gone.
          if (response.redirected) window.history.replaceState(null, "", response.url);
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        failed.classList.remove("d-none");
        failed.scrollIntoView({ block: "center" });
      });
  });
})();
