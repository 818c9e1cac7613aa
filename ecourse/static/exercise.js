// A gentle timer for the exercise, shown only when this script runs: without JavaScript
// the lesson page keeps its plain numbered steps and nothing half-working appears.
//
// One button starts, pauses and resumes, so keyboard focus stays where it is; a second one
// sets the timer back. The clock updates every second but is no live region: only
// starting, pausing and the end are announced, so a screen reader is not talked over.
// Time is measured against Date.now(), so a tab in the background does not drift.
// Every word shown comes from the timer's data-* attributes, which the page fills in its own
// language: a script cannot ask the server's catalog.
(function () {
  "use strict";

  var root = document.querySelector("[data-timer]");
  if (!root) return;
  var total = parseInt(root.getAttribute("data-seconds"), 10) * 1000;
  if (!(total > 0)) return;

  var clock = root.querySelector("[data-timer-clock]");
  var ring = root.querySelector("[data-timer-ring]");
  var toggle = root.querySelector("[data-timer-toggle]");
  var reset = root.querySelector("[data-timer-reset]");
  var status = root.querySelector("[data-timer-status]");

  function text(name) {
    return root.getAttribute("data-" + name) || "";
  }

  var LABELS = {
    idle: text("label-idle"),
    running: text("label-running"),
    paused: text("label-paused"),
    ended: text("label-ended"),
  };

  var state = "idle";
  var remaining = total; // milliseconds left while not running
  var endsAt = 0; // Date.now() at which a running timer reaches zero
  var ticker = null;

  function left() {
    return state === "running" ? Math.max(endsAt - Date.now(), 0) : remaining;
  }

  function clockText(ms) {
    var seconds = Math.ceil(ms / 1000);
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function spoken(ms) {
    var seconds = Math.ceil(ms / 1000);
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) parts.push(counted(minutes, "minute"));
    if (rest || !minutes) parts.push(counted(rest, "second"));
    return parts.join(" " + text("and") + " ");
  }

  // "1 minuut", "3 minuten": the page gives both forms, with {n} where the number goes.
  function counted(n, unit) {
    return text(unit + (n === 1 ? "-one" : "-other")).replace("{n}", String(n));
  }

  // A sentence from the page with the time left in place of {time}.
  function saying(name, ms) {
    return text("say-" + name).replace("{time}", spoken(ms));
  }

  function announce(message) {
    status.textContent = message;
  }

  function draw() {
    var ms = left();
    clock.textContent = clockText(ms);
    // A presentation attribute, not a style: the page's CSP allows no inline styles.
    ring.setAttribute("stroke-dashoffset", String(((total - ms) / total) * 100));
    toggle.textContent = LABELS[state];
    reset.disabled = state === "idle";
  }

  function tick() {
    if (left() <= 0) {
      finish();
    } else {
      draw();
    }
  }

  function stopTicking() {
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
  }

  function start() {
    if (state === "ended") remaining = total;
    endsAt = Date.now() + remaining;
    state = "running";
    ticker = window.setInterval(tick, 250);
    announce(saying("running", remaining));
    draw();
  }

  function pause() {
    remaining = left();
    stopTicking();
    state = "paused";
    announce(saying("paused", remaining));
    draw();
  }

  function finish() {
    stopTicking();
    remaining = 0;
    state = "ended";
    announce(text("say-ended"));
    draw();
  }

  function setBack() {
    stopTicking();
    remaining = total;
    state = "idle";
    announce(""); // emptying a live region says nothing
    draw();
    toggle.focus(); // the reset button is now disabled; keep focus on the page's timer
  }

  toggle.addEventListener("click", function () {
    if (state === "running") {
      pause();
    } else {
      start();
    }
  });
  reset.addEventListener("click", setBack);

  draw();
  root.hidden = false;
})();
