// Beside each date picker, the chosen day in words ("Thứ Bảy, 05/12/2026"), whatever the phone's language
// shows in the picker itself. The server writes the first one; this keeps it up to date as the date changes.
(function () {
  "use strict";
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show(words) {
    var input = document.getElementById(words.getAttribute("data-date-for"));
    if (!input) return;
    var names = words.getAttribute("data-weekdays").split("|");
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    if (!parts) { words.textContent = ""; return; }
    var day = new Date(+parts[1], +parts[2] - 1, +parts[3]);
    words.textContent = names[day.getDay()] + ", " + two(day.getDate()) + "/" + two(day.getMonth() + 1) + "/" + day.getFullYear();
  }
  document.querySelectorAll("[data-date-for]").forEach(function (words) {
    var input = document.getElementById(words.getAttribute("data-date-for"));
    if (!input) return;
    input.addEventListener("input", function () { show(words); });
    input.addEventListener("change", function () { show(words); });
  });
})();
