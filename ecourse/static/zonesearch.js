// Narrows the long list of time zones to the places matching what the learner types.
//
// Without this script the list is a plain grouped <select>, which a browser already lets
// you search by typing the first letters of a place. With it, a search box above the list
// hides every place that does not match anywhere in its name or region ("york" finds New
// York, "amerika" every American place), chooses the first match when the chosen place is
// hidden, and says how many places match in a status line for screen readers.
// Every word shown comes from the select's data-* attributes.
(function () {
  "use strict";

  var select = document.querySelector("select[data-zone-search]");
  if (!select) return;

  function text(name) {
    return select.getAttribute("data-" + name) || "";
  }

  function plain(value) {
    return value
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[_/–-]+/g, " ")
      .trim();
  }

  var box = document.createElement("input");
  box.type = "search";
  box.id = select.id + "-zoek";
  box.autocomplete = "off";
  box.setAttribute("aria-controls", select.id);
  var label = document.createElement("label");
  label.htmlFor = box.id;
  label.textContent = text("search-label");
  var status = document.createElement("p");
  status.className = "hint";
  status.setAttribute("role", "status");
  var field = document.createElement("div");
  field.className = "field zone-search";
  field.appendChild(label);
  field.appendChild(box);
  field.appendChild(status);
  select.parentNode.parentNode.insertBefore(field, select.parentNode);

  function region(option) {
    return option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
  }

  function narrow() {
    var query = plain(box.value);
    var found = 0;
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var words = plain(option.text + " " + option.value + " " + region(option));
      var match = !query || words.indexOf(query) !== -1;
      option.hidden = !match;
      if (match) {
        found += 1;
        first = first || option;
      }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (option) {
        return !option.hidden;
      });
    });
    if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
      first.selected = true;
    }
    status.textContent = !query
      ? ""
      : found === 0
        ? text("found-none")
        : text(found === 1 ? "found-one" : "found-many").replace("{n}", String(found));
  }

  box.addEventListener("input", narrow);
})();
