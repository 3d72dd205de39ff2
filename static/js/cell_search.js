// The first step of recording a shortcoming when the user may record in too many cells to list: as a name
// or a code is typed, the cells matching it are asked of the server (at most 20 at a time) and shown as
// links, as the search sent in full would list them. Without JavaScript the search button does the same.
(function () {
  "use strict";
  var box = document.getElementById("id_cell_search");
  var list = document.querySelector("[data-cell-suggestions]");
  if (!box || !list) return;

  var answers = {};  // text typed: the cells the server gave for it
  var timer = null;
  var latest = "";

  function fill(cells) {
    list.textContent = "";
    cells.forEach(function (cell) {
      var link = document.createElement("a");
      link.className = "list-group-item list-group-item-action py-3";
      link.href = cell.url + (list.dataset.keep || "");  // ?review= kept
      link.textContent = cell.label;
      list.appendChild(link);
    });
  }

  function suggest(text) {
    latest = text;
    if (text.length < 2) { fill([]); return; }
    if (answers[text]) { fill(answers[text]); return; }
    fetch(list.dataset.cellSuggestions + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        answers[text] = data.cells;
        if (text === latest) fill(data.cells);  // an older answer arriving late changes nothing
      })
      .catch(function () {});  // offline: the search button still sends the text
  }

  box.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { suggest(box.value.trim()); }, 250);
  });
})();
