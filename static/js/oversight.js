// The overseer boxes of a committee with many candidates: as a name is typed, the shared list of
// suggestions is filled with the candidates matching it, asked of the server (at most 20 at a time), so the
// page never carries every candidate. Without JavaScript the list holds the page's own overseers and a
// full name typed in saves the same.
(function () {
  "use strict";
  var list = document.getElementById("overseer-candidates");
  if (!list || !list.dataset.search) return;

  var own = Array.prototype.map.call(list.options, function (option) { return option.value; });
  var answers = {};  // text typed: the labels the server gave for it
  var timer = null;
  var latest = "";

  function fill(labels) {
    list.textContent = "";
    labels.forEach(function (label) {
      var option = document.createElement("option");
      option.value = label;
      list.appendChild(option);
    });
  }

  function suggest(text) {
    latest = text;
    if (text.length < 2) { fill(own); return; }
    if (answers[text]) { fill(answers[text]); return; }
    fetch(list.dataset.search + "&q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        answers[text] = data.labels;
        if (text === latest) fill(data.labels);  // an older answer arriving late changes nothing
      })
      .catch(function () {});  // offline: the name can still be typed in full
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('input[list="overseer-candidates"]')) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { suggest(box.value.trim()); }, 250);
  });
})();
