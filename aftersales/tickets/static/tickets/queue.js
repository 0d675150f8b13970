// The queue's column chooser: hidden columns are classes on #queue-results (kept across htmx
// swaps of the table) and are remembered in this browser (localStorage).
(function () {
  var KEY = "aftersales.queue.hidden";
  var results = document.getElementById("queue-results");
  var menu = document.getElementById("queue-columns");
  if (!results || !menu) return;
  var boxes = menu.querySelectorAll("input[data-column]");
  function read() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function apply(hidden) {
    boxes.forEach(function (box) {
      var column = box.getAttribute("data-column");
      var off = hidden.indexOf(column) !== -1;
      box.checked = !off;
      results.classList.toggle("hide-" + column, off);
    });
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var hidden = [];
      boxes.forEach(function (b) { if (!b.checked) hidden.push(b.getAttribute("data-column")); });
      try { window.localStorage.setItem(KEY, JSON.stringify(hidden)); } catch (e) { /* private mode: this page only */ }
      apply(hidden);
    });
  });
  var reset = document.getElementById("queue-columns-reset");
  if (reset) reset.addEventListener("click", function () {
    try { window.localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    apply([]);
  });
  apply(read());
})();
