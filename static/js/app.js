// Moviedraft's small behaviours that htmx does not cover. Loaded on every page, deferred.
// No inline scripts anywhere: a strict Content Security Policy allows only files like this one.
(function () {
  "use strict";

  var baseTitle = document.title;

  // Board polling: ask for changes every few seconds while the tab is visible; ask at once
  // when it becomes visible again. The server answers 204 (nothing swapped) when nothing changed.
  function pollBoard() {
    if (document.hidden || !window.htmx) return;
    var board = document.querySelector("[data-poll-seconds]");
    if (board) window.htmx.trigger(board, "board:poll");
  }

  function pollSeconds() {
    var board = document.querySelector("[data-poll-seconds]");
    var seconds = board ? parseFloat(board.getAttribute("data-poll-seconds")) : 0;
    return seconds > 0 ? seconds : 2;
  }

  var pollTimer = null;
  function startPolling() {
    if (pollTimer || !document.querySelector("[data-poll-seconds]")) return;
    pollTimer = window.setInterval(function () {
      if (!document.querySelector("[data-poll-seconds]")) {
        window.clearInterval(pollTimer);
        pollTimer = null;
        return;
      }
      pollBoard();
    }, pollSeconds() * 1000);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) pollBoard();
  });

  // The countdown is computed from the stored deadline every second, so a tab that slept
  // shows the right time the moment it wakes. The server's "now" corrects a skewed clock.
  var skewMs = 0;
  function tickCountdowns() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      var serverNow = Date.parse(el.getAttribute("data-now"));
      if (!el.hasAttribute("data-skew-set") && !isNaN(serverNow)) {
        skewMs = serverNow - Date.now();
        el.setAttribute("data-skew-set", "");
      }
      var left = Math.round((deadline - (Date.now() + skewMs)) / 1000);
      var out = el.querySelector(".countdown");
      if (!out || isNaN(deadline)) return;
      if (left <= 0) {
        out.textContent = "Time is up";
        out.className = "countdown countdown--overdue";
        return;
      }
      out.textContent = formatLeft(left) + " left";
      out.className = left <= 30 ? "countdown countdown--low" : "countdown";
    });
  }

  function formatLeft(seconds) {
    var d = Math.floor(seconds / 86400);
    var h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + String(m).padStart(2, "0") + "m";
    return m + ":" + String(s).padStart(2, "0");
  }

  // The tab title says when it is your turn, so a background tab tells you.
  function updateTitle() {
    var turn = document.querySelector("[data-your-turn]");
    document.title = turn ? "Your pick! — " + turn.getAttribute("data-your-turn") : baseTitle;
  }

  function refresh() {
    startPolling();
    tickCountdowns();
    updateTitle();
  }

  // A swap that replaces the focused element (a pick, a refused pick, a live update) would
  // drop keyboard focus to <body>, back at the top of the page. Put it on the same link if the
  // new board has one, else on the pick panel's heading, which says what happens next.
  var lostFocus = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    lostFocus = null;
    if (!evt.detail.shouldSwap || !active || !active.closest("#board, #pick-panel")) return;
    lostFocus = { href: active.getAttribute("href") };
  });
  document.addEventListener("htmx:afterSettle", function () {
    var lost = lostFocus;
    lostFocus = null;
    if (!lost || (document.activeElement && document.activeElement !== document.body)) return;
    var target = lost.href && document.querySelector('#board a[href="' + CSS.escape(lost.href) + '"]');
    if (!target) {
      target = document.querySelector("#pick-panel h2");
      if (target) target.setAttribute("tabindex", "-1");
    }
    if (target) target.focus();
  });

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  window.setInterval(tickCountdowns, 1000);
})();
