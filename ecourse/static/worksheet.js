// The worksheet's print button: shown only where it works; without it, the browser's own
// Print (Ctrl+P) prints the same sheet.
(function () {
  var button = document.getElementById("print-sheet");
  if (!button || typeof window.print !== "function") return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
