// Live previews in the lesson editor: while the admin types, the form is posted into the
// preview frames (the same buttons that work without JavaScript). Nothing is saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form || typeof form.requestSubmit !== "function") { return; }
  var timer = null;
  // A form holds one planned navigation: a second submit in the same task would cancel
  // the first, so each preview frame gets its own turn.
  function refresh() {
    form.querySelectorAll("button[data-preview]").forEach(function (button, index) {
      window.setTimeout(function () { form.requestSubmit(button); }, index * 150);
    });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
  refresh();
})();
