// Live previews in the lesson editor: while the admin types, the form is posted into the
// preview frames (the same buttons that work without JavaScript). Nothing is saved.
// A form holds one planned navigation: a submit cancels an earlier one the browser has not
// begun. So the previews go one at a time, and never while a submit of the admin's own (the
// test email, a preview button, saving) is on its way: they wait until its frame has loaded,
// and after a submit that leaves the page they stop.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form || typeof form.requestSubmit !== "function") { return; }
  var timer = null;
  var queue = [];
  var busy = null; // the submit on its way, until its frame has loaded
  function next() {
    if (busy || !queue.length) { return; }
    form.requestSubmit(queue.shift()); // its submit event holds the queue
  }
  function frameOf(button) {
    var name = button && button.getAttribute("formtarget");
    return name ? document.querySelector("iframe[name='" + name + "']") : null;
  }
  function hold(frame) {
    var mine = {};
    busy = mine;
    if (!frame) { return; } // leaving the page: nothing more is posted from it
    function release() {
      if (busy !== mine) { return; }
      busy = null;
      next();
    }
    frame.addEventListener("load", release, { once: true });
    window.setTimeout(release, 10000); // a frame that never loads does not stop the previews
  }
  function refresh() {
    queue = Array.prototype.slice.call(form.querySelectorAll("button[data-preview]"));
    next();
  }
  form.addEventListener("submit", function (event) { hold(frameOf(event.submitter)); });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { busy = null; refresh(); } // back from the next page
  });
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
  refresh();
})();

// The lesson editor never loses work: leaving a form whose fields differ from what the page
// loaded with asks first. So does leaving one that was shown with text never saved (a form
// sent back with problems, "Terug naar bewerken", the reach step): `data-unsaved`. Saving
// or checking the form is no leaving; the previews and the test email post into frames.
(function () {
  "use strict";
  var form = document.querySelector("form[data-warn-unsaved]");
  if (!form) { return; }
  function state() {
    var data = new FormData(form);
    data.delete("csrf_token");
    return new URLSearchParams(data).toString();
  }
  var loaded = state();
  var submitting = false;
  form.addEventListener("submit", function (event) {
    var into = event.submitter && event.submitter.getAttribute("formtarget");
    if (!into) { submitting = true; }
  });
  window.addEventListener("pageshow", function () { submitting = false; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) { return; }
    if (!form.hasAttribute("data-unsaved") && state() === loaded) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
})();

// The editor's two ways to save follow the chosen status: a draft that stays a draft has a
// plain "Opslaan"; publishing, or changing a published lesson, goes through "Controleren".
(function () {
  "use strict";
  var form = document.querySelector("form[data-stored-status]");
  var choice = form && form.querySelector("[data-save-choice]");
  var status = form && form.querySelector("select[name=status]");
  if (!choice || !status) { return; }
  function follow() {
    var plain = status.value === "draft" && form.getAttribute("data-stored-status") !== "published";
    choice.querySelectorAll("[data-when=plain], [data-plain-save]").forEach(function (each) {
      each.hidden = !plain;
    });
    choice.querySelector("[data-when=check]").hidden = plain;
    choice.querySelector("[data-check-save]").classList.toggle("secondary", plain);
  }
  status.addEventListener("change", follow);
})();
