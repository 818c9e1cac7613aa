// Saves the exercise form in place, and asks before the learner leaves with something unsaved.
//
// Without this script the form posts, the page comes back with a message, and nothing typed
// is lost (every button saves every field). With it, the same POST goes through fetch and
// asks for JSON, so the page stays where it is and a running timer keeps running. The
// answer says what to tell the learner (into the role="status" line by the button pressed)
// and what the fields now hold. Leaving while a score or the note differs from what was last
// saved asks first (beforeunload); after a save it does not.
// Every word shown comes from the form's data-* attributes or from the server's answer.
(function () {
  "use strict";

  var form = document.querySelector("[data-exercise-form]");
  if (!form || !window.fetch || !window.URLSearchParams) return;

  var FIELDS = ["voor", "na", "notitie"];
  var saved = snapshot(); // the fields as last saved (or as the page came)
  var pending = false;
  var queued = null; // a button pressed while a save was on its way: saved right after
  var clicked = null; // for browsers without SubmitEvent.submitter

  function text(name) {
    return form.getAttribute("data-" + name) || "";
  }

  function snapshot() {
    var data = new FormData(form);
    return JSON.stringify(
      FIELDS.map(function (name) {
        return data.getAll(name);
      })
    );
  }

  function statusAt(spot) {
    return form.querySelector('[data-save-status="' + spot + '"]');
  }

  function say(spot, message, kind) {
    ["voor", "na"].forEach(function (each) {
      var line = statusAt(each);
      line.textContent = each === spot ? message : "";
      line.classList.toggle("nothing", each === spot && kind === "nothing");
      line.classList.toggle("failed", each === spot && kind === "failed");
    });
  }

  // The fields as the server now shows them: the saved values, or empty ones for a
  // check-in this browser may not see (what a reload of the page would show).
  function fill(fields) {
    ["voor", "na"].forEach(function (name) {
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (radio) {
        radio.checked = fields[name] !== null && radio.value === String(fields[name]);
      });
    });
    form.querySelector('[name="notitie"]').value = fields.notitie;
  }

  function showSavedValues(fields) {
    ["voor", "na"].forEach(function (name) {
      var line = form.querySelector('[data-saved-value="' + name + '"]');
      var value = fields[name];
      line.hidden = value === null;
      line.textContent = value === null ? "" : text("say-value").replace("{value}", value);
    });
  }

  function markDone() {
    var line = form.querySelector("[data-say-done]");
    if (line.textContent.trim() === "") line.textContent = line.getAttribute("data-say-done");
    form.querySelector("[data-finish]").textContent = text("label-done");
  }

  function answered(answer, spot, sent) {
    if (!answer || !answer.outcome) {
      say(spot, text("say-failed"), "failed");
      return;
    }
    if (answer.outcome === "refused") {
      say(spot, answer.message, "failed");
      return;
    }
    if (snapshot() === sent) {
      fill(answer.fields);
      saved = snapshot();
    } else {
      saved = sent; // typed on while it was saving: that part is not saved yet
    }
    showSavedValues(answer.fields);
    say(spot, answer.message, answer.outcome);
    if (answer.done) markDone();
  }

  function send(body, spot) {
    var sent = snapshot();
    pending = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .catch(function () {
        return null; // no answer, or not JSON (an error page): the fields keep their text
      })
      .then(function (answer) {
        pending = false;
        form.removeAttribute("aria-busy");
        answered(answer, spot, sent);
        if (queued) {
          var next = queued;
          queued = null;
          save(next);
        }
      });
  }

  // Every field of the form, and which button was pressed (it says where to answer, and
  // whether to mark the exercise done).
  function save(button) {
    if (pending) {
      queued = button;
      return;
    }
    var body = new URLSearchParams(new FormData(form));
    if (button && button.name) body.append(button.name, button.value);
    send(body, button && button.value === "voor" ? "voor" : "na");
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[type=submit]");
    if (button) clicked = button;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter || clicked || form.querySelector("button[type=submit]");
    clicked = null;
    save(button);
  });

  window.addEventListener("beforeunload", function (event) {
    if (snapshot() === saved) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  });
})();
