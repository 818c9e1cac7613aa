// Live previews in the lesson editor: while the admin types, the form is posted into the
// preview frames (the same buttons that work without JavaScript). Nothing is saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form || typeof form.requestSubmit !== "function") { return; }
  var timer = null;
  function refresh() {
    form.querySelectorAll("button[data-preview]").forEach(function (button) {
      form.requestSubmit(button);
    });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
  refresh();
})();
