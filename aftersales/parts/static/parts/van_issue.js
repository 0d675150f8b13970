// The van-issue picker: find a part by code or name (rows with a quantity stay shown), reload the
// stock columns when the van or the source changes (keeping the quantities typed), and say on the
// button how many lines and pieces are asked for.
(function () {
  "use strict";
  var form = document.getElementById("van-issue-form");
  if (!form) return;

  function filter() {
    var box = form.querySelector("[data-picker-filter]");
    var words = (box && box.value || "").trim().toLowerCase().split(/\s+/).filter(Boolean);
    form.querySelectorAll("[data-pick-row]").forEach(function (row) {
      var qty = row.querySelector("input[type=number]");
      var picked = qty && parseInt(qty.value, 10) > 0;
      var text = row.dataset.search || "";
      var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !(picked || hit);
      row.classList.toggle("table-primary", !!picked);
    });
  }

  function count() {
    var lines = 0, pieces = 0;
    form.querySelectorAll("[data-pick-row] input[type=number]").forEach(function (qty) {
      var n = parseInt(qty.value, 10);
      if (n > 0) { lines += 1; pieces += n; }
    });
    var button = form.querySelector("[data-picker-submit]");
    if (!button) return;
    button.textContent = lines
      ? button.dataset.textCount.replace("%(lines)s", lines).replace("%(pieces)s", pieces)
      : button.dataset.text;
  }

  function reload() {
    var params = new URLSearchParams();
    ["van", "source"].forEach(function (name) {
      var field = form.querySelector("[name=" + name + "]");
      if (field && field.value) params.append(name, field.value);
    });
    form.querySelectorAll("[data-pick-row] input[type=number]").forEach(function (qty) {
      if (qty.value) params.append(qty.name, qty.value);
    });
    var picker = document.getElementById("van-issue-picker");
    var search = form.querySelector("[data-picker-filter]");
    var words = search ? search.value : "";
    fetch(form.dataset.pickerUrl + "?" + params.toString(), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var tmp = document.createElement("div");
        tmp.innerHTML = html;
        var fresh = tmp.querySelector("#van-issue-picker");
        if (fresh && picker) picker.replaceWith(fresh);
        var box = form.querySelector("[data-picker-filter]");
        if (box) box.value = words;
        filter();
        count();
      })
      .catch(function () { /* keep the rows shown; the server checks the stock again on sending */ });
  }

  form.addEventListener("input", function (ev) {
    if (ev.target.matches("[data-picker-filter]")) filter();
    if (ev.target.matches("[data-pick-row] input[type=number]")) { count(); filter(); }
  });
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "van" || ev.target.name === "source") reload();
  });
  filter();
  count();
})();
