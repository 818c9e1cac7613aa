// Tell the server the visitor's time zone, so lessons arrive at their local morning hour.
(function () {
  var field = document.getElementById("timezone");
  try {
    if (field && !field.value) field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) { /* older browsers: the course's time zone is used */ }
})();
