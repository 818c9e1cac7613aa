// Counts the characters of the follow-up's sentence as they are typed (the page works
// without it: the textarea's maxlength holds the limit). Its words come from data-template.
(function () {
  "use strict";
  var counters = document.querySelectorAll("[data-count-for]");
  Array.prototype.forEach.call(counters, function (counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    if (!field) return;
    var template = counter.getAttribute("data-template") || "";
    function show() {
      counter.textContent = template.replace("{n}", String(field.value.length));
    }
    field.addEventListener("input", show);
    show();
  });
})();
