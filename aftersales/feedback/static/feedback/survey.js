// The survey form: reason codes follow the overall score; in the call form, the questions show
// once "reached" is chosen. Without JavaScript every field stays visible (the server checks).
(function () {
  "use strict";
  function syncReasons(form) {
    var checked = form.querySelector("input[data-overall]:checked");
    var score = checked ? parseInt(checked.value, 10) : null;
    form.querySelectorAll(".reason").forEach(function (el) {
      var show = score !== null && score >= parseInt(el.dataset.min, 10) && score <= parseInt(el.dataset.max, 10);
      el.hidden = !show;
      if (!show) { el.querySelector("input").checked = false; }
    });
    form.querySelectorAll(".reasons").forEach(function (box) { box.hidden = score === null; });
  }
  function syncCall(form) {
    var box = form.querySelector("#call-survey");
    if (!box) { return; }
    var outcome = form.querySelector("input[data-outcome]:checked");
    box.hidden = !(outcome && outcome.value === "reached");
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-survey]")) { return; }
    form.addEventListener("change", function () { syncReasons(form); syncCall(form); });
    syncReasons(form);
    syncCall(form);
  });
})();
