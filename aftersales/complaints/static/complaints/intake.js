// Anonymous complaints name nobody: hide (and empty) the identity fields while it is ticked.
(function () {
  var box = document.getElementById("id_anonymous");
  var fields = document.getElementById("identity-fields");
  if (!box || !fields) return;
  function sync() {
    fields.hidden = box.checked;
    if (box.checked) {
      fields.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    }
  }
  box.addEventListener("change", sync);
  sync();
})();
