/* The technician's job page on a flaky network (R-FLD-5).
 *
 * - Drafts: every form marked data-offline keeps what was typed in localStorage, so a
 *   reload or a dead battery loses nothing; the draft is dropped once the step is saved.
 * - Outbox: a submit goes out with fetch and the form's idempotency key (hidden "idem",
 *   also sent as the Idempotency-Key header). If the network is down, the submission is
 *   kept and sent again when the phone is back online (or the page is opened again); the
 *   server does each step once per key, so a retry never books a part twice.
 * - Photos taken offline wait in IndexedDB (files are too big for localStorage) and go out
 *   with their step when the network returns.
 * - Signature pads fill the hidden "signature" field; an empty pad is refused here and by
 *   the server.
 */
(function () {
  "use strict";
  var PREFIX = "aftersales:field:";
  var OUTBOX = PREFIX + "outbox";
  var banner = document.getElementById("offline-banner");

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or disabled: the form still works online */ }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function draftKey(form) { return PREFIX + "draft:" + location.pathname + ":" + form.dataset.offline; }

  function showBanner(which) {
    if (!banner) return;
    var span = banner.querySelector("span");
    if (which) {
      span.textContent = span.dataset[which === "sending" ? "textSending" : "textOffline"];
      banner.classList.remove("d-none");
    } else {
      banner.classList.add("d-none");
    }
  }

  // --- drafts -----------------------------------------------------------------------------
  var SKIP = { csrfmiddlewaretoken: 1, idem: 1, signature: 1 };
  function saveDraft(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "file" || el.type === "hidden") return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) data[el.name + (el.type === "checkbox" ? "" : "")] = el.value;
        else if (el.type === "checkbox" && !(el.name in data)) data[el.name] = null;
      } else {
        data[el.name] = el.value;
      }
    });
    store(draftKey(form), data);
  }
  function restoreDraft(form) {
    var data = load(draftKey(form));
    if (!data) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || SKIP[el.name] || el.type === "file" || el.type === "hidden") return;
      if (el.type === "radio") el.checked = data[el.name] === el.value;
      else if (el.type === "checkbox") el.checked = data[el.name] === el.value;
      else el.value = data[el.name];
    });
    form.dataset.restored = "1";
  }

  // --- outbox -----------------------------------------------------------------------------
  function formEntries(form) {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") entries.push([name, value]);
    });
    return entries;
  }
  // Files of a kept submission, by its idempotency key.
  function fileStore(mode, action) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var open = indexedDB.open("aftersales-field", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("files"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("files", mode);
        var req = action(tx.objectStore("files"));
        tx.oncomplete = function () { resolve(req ? req.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      };
    });
  }
  function formFiles(form) {
    var files = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        files.push({ field: input.name, name: file.name, file: file });
      });
    });
    return files;
  }
  function send(item) {
    var files = item.files
      ? Promise.resolve(item.files)
      : item.hasFiles ? fileStore("readonly", function (s) { return s.get(item.idem); }) : Promise.resolve([]);
    return files.then(function (list) {
      var body = new FormData();
      item.entries.forEach(function (pair) { body.append(pair[0], pair[1]); });
      (list || []).forEach(function (f) { body.append(f.field, f.file, f.name); });
      return fetch(item.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Idempotency-Key": item.idem, "X-CSRFToken": item.csrf },
      });
    });
  }
  function finish(item, response) {
    store(item.draft, null);
    if (item.hasFiles) fileStore("readwrite", function (s) { return s.delete(item.idem); }).catch(function () {});
    var queue = (load(OUTBOX) || []).filter(function (q) { return q.idem !== item.idem; });
    store(OUTBOX, queue.length ? queue : null);
    if (response.redirected || response.ok) {
      location.assign(response.url);
    } else {
      // A business error (400/403/409): show the server's page with its message.
      response.text().then(function (html) {
        document.open(); document.write(html); document.close();
      });
    }
  }
  function queue(item) {
    var files = item.files || [];
    var kept = files.length
      ? fileStore("readwrite", function (s) { return s.put(files, item.idem); })
      : Promise.resolve();
    return kept.then(function () {
      var entry = { url: item.url, idem: item.idem, csrf: item.csrf, entries: item.entries, draft: item.draft,
                    hasFiles: files.length > 0 };
      var items = (load(OUTBOX) || []).filter(function (q) { return q.idem !== item.idem; });
      items.push(entry);
      store(OUTBOX, items);
      showBanner("offline");
    });
  }
  var flushing = false;
  function flush() {
    var items = load(OUTBOX) || [];
    if (!items.length || flushing || navigator.onLine === false) return;
    flushing = true;
    showBanner("sending");
    var item = items[0];
    send(item).then(function (response) {
      flushing = false;
      finish(item, response);
    }, function () {
      flushing = false;
      showBanner("offline");
    });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 15000);

  // --- signature pads ---------------------------------------------------------------------
  var pads = [];
  function setupPad(canvas) {
    if (typeof SignaturePad === "undefined") return null;
    var pad = new SignaturePad(canvas, { backgroundColor: "rgba(0,0,0,0)", penColor: "#0b2e6b" });
    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    }
    window.addEventListener("resize", resize);
    resize();
    // A pad inside a closed <details> ("Sign again") has no size until it is opened.
    var details = canvas.closest("details");
    if (details) details.addEventListener("toggle", function () { if (details.open) resize(); });
    var box = canvas.closest(".signature-box");
    var clear = box && box.querySelector("[data-clear-signature]");
    if (clear) clear.addEventListener("click", function () { pad.clear(); });
    pad.addEventListener("beginStroke", function () {
      var empty = box && box.querySelector("[data-signature-empty]");
      if (empty) empty.classList.add("d-none");
    });
    pads.push(pad);
    canvas.signaturePad = pad;
    return pad;
  }
  Array.prototype.forEach.call(document.querySelectorAll("canvas.signature-pad"), setupPad);

  function fillSignature(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    if (!canvas || !canvas.signaturePad) return true;
    var empty = form.querySelector("[data-signature-empty]");
    if (canvas.signaturePad.isEmpty()) {
      if (empty) empty.classList.remove("d-none");
      return false;
    }
    if (empty) empty.classList.add("d-none");
    form.querySelector("input[name=signature]").value = canvas.signaturePad.toDataURL("image/png");
    return true;
  }

  // --- quote total ------------------------------------------------------------------------
  // List price, what the warranty pays (ticked lines) and what the customer pays, in fen (no float drift).
  function quoteTotal(form) {
    var total = 0, covered = 0;
    Array.prototype.forEach.call(form.querySelectorAll(".quote-row"), function (row) {
      var kind = row.querySelector("select[name^=kind_]").value;
      var qty = parseFloat((row.querySelector("input[name^=quantity_]").value || "1").replace(",", "."));
      var price = parseFloat((row.querySelector("input[name^=unit_price_]").value || "0").replace(",", "."));
      var tick = row.querySelector("input[name^=covered_]");
      if (!kind || !(qty > 0) || !(price >= 0)) return;
      var amount = Math.round(qty * price * 100);
      if (tick && tick.checked) covered += amount; else total += amount;
    });
    function show(selector, fen) {
      var out = form.querySelector(selector);
      if (out) out.textContent = "¥" + (fen / 100).toFixed(2);
    }
    show("[data-quote-total]", total);
    show("[data-quote-covered]", covered);
    show("[data-quote-subtotal]", total + covered);
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.quote-form"), function (form) {
    form.addEventListener("input", function () { quoteTotal(form); });
    form.addEventListener("change", function (ev) {
      var sel = ev.target;
      if (sel.name && sel.name.indexOf("part_") === 0 && sel.value) {
        var opt = sel.options[sel.selectedIndex];
        var row = sel.closest(".quote-row");
        row.querySelector("select[name^=kind_]").value = "part";
        row.querySelector("input[name^=description_]").value = opt.dataset.name || "";
        row.querySelector("input[name^=unit_price_]").value = opt.dataset.price || "";
        if (!row.querySelector("input[name^=quantity_]").value) row.querySelector("input[name^=quantity_]").value = "1";
      }
      quoteTotal(form);
    });
    quoteTotal(form);
  });

  // --- the usual solution of a cause ------------------------------------------------------
  var cause = document.getElementById("cause");
  var solution = document.getElementById("solution");
  if (cause && solution) {
    cause.addEventListener("change", function () {
      var hint = cause.options[cause.selectedIndex].dataset.hint;
      if (hint && !solution.value.trim()) solution.value = hint;
    });
  }

  // --- forms ------------------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), function (form) {
    restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!fillSignature(form)) return;
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      var item = {
        url: form.action,
        idem: form.querySelector("input[name=idem]").value,
        csrf: form.querySelector("input[name=csrfmiddlewaretoken]").value,
        entries: formEntries(form),
        files: formFiles(form),
        draft: draftKey(form),
      };
      function submitNow() {
        send(item).then(function (response) { finish(item, response); }, function () {
          queue(item);
          if (button) button.disabled = false;
        });
      }
      if (form.hasAttribute("data-geo") && navigator.geolocation && !form.dataset.located) {
        form.dataset.located = "1";
        navigator.geolocation.getCurrentPosition(function (pos) {
          item.entries.push(["latitude", pos.coords.latitude.toFixed(6)], ["longitude", pos.coords.longitude.toFixed(6)]);
          submitNow();
        }, submitNow, { timeout: 5000, maximumAge: 60000 });
      } else {
        submitNow();
      }
    });
  });
  // Forms without drafts (the consent link) still need their signature filled in.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-signature]:not([data-offline])"), function (form) {
    form.addEventListener("submit", function (ev) { if (!fillSignature(form)) ev.preventDefault(); });
  });

  if ((load(OUTBOX) || []).length) flush();
})();
