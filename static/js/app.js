// Moviedraft's small behaviours that htmx does not cover. Loaded on every page, deferred.
// No inline scripts anywhere: a strict Content Security Policy allows only files like this one.
(function () {
  "use strict";

  var baseTitle = document.title;

  // Board polling: ask for changes every few seconds while the tab is visible; ask at once
  // when it becomes visible again. The server answers 204 (nothing swapped) when nothing changed.
  // After a failed request the wait doubles (up to MAX_WAIT_MS), so a server that is down is
  // not hammered; the first poll that gets an answer brings the normal pace back.
  var MAX_WAIT_MS = 30000;
  var failures = 0;

  function pollBoard() {
    // While the live stream runs (static/js/live.js) it brings every change: no polling.
    if (document.hidden || !window.htmx || document.documentElement.hasAttribute("data-streaming")) return;
    var board = document.querySelector("[data-poll-seconds]");
    if (board) window.htmx.trigger(board, "board:poll");
  }

  function pollSeconds() {
    var board = document.querySelector("[data-poll-seconds]");
    var seconds = board ? parseFloat(board.getAttribute("data-poll-seconds")) : 0;
    return seconds > 0 ? seconds : 2;
  }

  function waitMs(baseMs) {
    return Math.min(MAX_WAIT_MS, baseMs * Math.pow(2, Math.min(failures, 10)));
  }

  var pollTimer = null;
  function startPolling() {
    if (pollTimer || !document.querySelector("[data-poll-seconds]")) return;
    pollTimer = window.setTimeout(function () {
      pollTimer = null;
      if (!document.querySelector("[data-poll-seconds]")) return;
      pollBoard();
      startPolling();
    }, waitMs(pollSeconds() * 1000));
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) pollBoard();
  });

  // --- When a request fails ----------------------------------------------------------------
  // htmx swaps nothing for a 5xx, a network error or a timeout, so without this the person sees
  // nothing at all. Say it in the live region under the header (#net-status, in base.html),
  // keep retrying (the board's poll; elsewhere a quiet check of this page), and say when the
  // connection is back.
  var CONNECTION_LOST = "Connection lost, retrying…";
  var clearTimer = null;
  var probeTimer = null;

  function say(message, kind) {
    var region = document.getElementById("net-status");
    if (!region) return;
    window.clearTimeout(clearTimer);
    if (region.textContent === message) return; // said already: do not announce it again
    var line = document.createElement("p");
    line.className = "net-status__line net-status--" + kind;
    line.textContent = message;
    region.replaceChildren(line);
  }

  function isPoll(elt) {
    return !!(elt && elt.hasAttribute && elt.hasAttribute("data-poll-seconds"));
  }

  function failed(evt) {
    var xhr = evt.detail.xhr;
    var status = evt.type === "htmx:responseError" && xhr ? xhr.status : 0;
    var poll = isPoll(evt.detail.elt);
    var config = evt.detail.requestConfig;
    // A failed search only needs saying; a failed pick or vote may not have happened.
    var change = !poll && !!config && config.verb !== "get";
    var message;
    if (status >= 400 && status < 500) {
      // Refusals come back as 200 with the message in the page; a 4xx here means the page
      // itself is out of date (a draft renamed, a session that ended).
      say("That did not work: this page is out of date. Reload the page.", "error");
      return;
    }
    failures += 1;
    var pick = change && pickAsked(evt);
    if (change && !pick) unconfirmed = true;
    message = status >= 500 && status !== 502 && status !== 503 && status !== 504
      ? "Something went wrong on our side, retrying…"
      : CONNECTION_LOST;
    if (pick) {
      message += " Your pick got no answer: checking whether it was saved…";
    } else if (change) {
      message += " What you just did was not confirmed: try it again when the connection is back.";
    }
    say(message, "error");
    if (pick) {
      askAboutPick(pick);
    } else if (!document.querySelector("[data-poll-seconds]")) {
      probeSoon();
    }
  }

  // A pick whose answer never came (a 503, a dropped connection) may well have been saved. The
  // page asks the board what became of it as soon as the server answers again, and shows the
  // board as the pick's own answer would have: "Your pick of Her was saved at 2.01", or the
  // refusal-style note that it was not (and the form to pick again).
  var pickCheck = null;

  function pickAsked(evt) {
    var elt = evt.detail.elt;
    var form = elt && elt.closest && elt.closest(".pick-form");
    var slot = form && form.querySelector("input[name=slot]");
    var movie = form && form.querySelector("input[name=movie]:checked");
    if (!slot || !movie || !form.getAttribute("hx-post")) return null;
    return form.getAttribute("hx-post") + "?" +
      new URLSearchParams({ slot: slot.value, movie: movie.value }).toString();
  }

  function askAboutPick(url) {
    window.clearTimeout(pickCheck && pickCheck.timer);
    pickCheck = { url: url, tries: 0, timer: null };
    ask();
    function ask() {
      var check = pickCheck;
      if (!check || check.url !== url) return;
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status >= 500) throw new Error("still down");
          return response.text().then(function (html) {
            if (pickCheck !== check) return;
            pickCheck = null;
            if (response.status !== 200 || !window.htmx || !document.getElementById("board-grid")) {
              say("We could not tell whether your pick was saved: reload the board.", "error");
              return;
            }
            window.htmx.swap("#board-grid", html, { swapStyle: "outerHTML" });
            recovered();
          });
        })
        .catch(function () {
          check.tries += 1;
          check.timer = window.setTimeout(ask, Math.min(MAX_WAIT_MS, 1000 * Math.pow(2, Math.min(check.tries, 5))));
        });
    }
  }

  // A click whose request failed may not have happened: keep saying so until the next one
  // goes through, even when the board's polls already work again.
  var unconfirmed = false;

  function recovered(evt) {
    var config = evt && evt.detail.requestConfig;
    var action = !!config && !isPoll(evt.detail.elt) && config.verb !== "get";
    if (!failures && !(unconfirmed && action)) return;
    failures = 0;
    window.clearTimeout(probeTimer);
    probeTimer = null;
    // The next poll was timed for a server that was away: back to the normal pace now.
    window.clearTimeout(pollTimer);
    pollTimer = null;
    startPolling();
    if (action) unconfirmed = false;
    if (unconfirmed) {
      say("Connection restored. What you did before was not confirmed: try it again.", "ok");
    } else {
      say("Connection restored.", "ok");
      clearTimer = window.setTimeout(function () {
        var region = document.getElementById("net-status");
        if (region) region.replaceChildren();
      }, 5000);
    }
  }

  // Pages without a board poll check themselves with a plain GET until the server answers.
  function probeSoon() {
    if (probeTimer) return;
    probeTimer = window.setTimeout(function () {
      probeTimer = null;
      fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status >= 500) throw new Error("still down");
          recovered();
        })
        .catch(function () {
          failures += 1;
          probeSoon();
        });
    }, waitMs(2000));
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.successful) recovered(evt);
  });

  // The 503 page ("briefly unavailable") of a GET: check the same address every few seconds
  // (waiting longer each time) and show the page as soon as the server answers.
  function retryUnavailablePage() {
    var marker = document.querySelector("[data-retry-page]");
    if (!marker) return;
    var firstMs = (parseFloat(marker.getAttribute("data-retry-seconds")) || 5) * 1000;
    var tries = 0;
    function attempt() {
      fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 503 || response.status === 502 || response.status === 504) {
            throw new Error("still down");
          }
          window.location.reload();
        })
        .catch(function () {
          tries += 1;
          window.setTimeout(attempt, Math.min(MAX_WAIT_MS, firstMs * Math.pow(2, Math.min(tries, 10))));
        });
    }
    window.setTimeout(attempt, firstMs);
  }

  // The countdown is computed from the stored deadline every second, so a tab that slept
  // shows the right time the moment it wakes. The server's time as it gave the page (data-now,
  // on the clock or on the room around it) corrects a skewed clock. It is never part of a piece
  // the server shares between pages (the banner), which would carry the time of its render.
  var skewMs = 0;
  function tickCountdowns() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      var holder = el.closest("[data-now]");
      if (holder && !holder.hasAttribute("data-skew-set")) {
        var serverNow = Date.parse(holder.getAttribute("data-now"));
        if (!isNaN(serverNow)) skewMs = serverNow - Date.now();
        holder.setAttribute("data-skew-set", "");
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

  // Quiet hours are given in the league's time; a viewer elsewhere also sees them in their own.
  function localQuietHours() {
    document.querySelectorAll("[data-quiet-start]").forEach(function (el) {
      var out = el.querySelector("[data-quiet-local]");
      var start = new Date(el.getAttribute("data-quiet-start"));
      var end = new Date(el.getAttribute("data-quiet-end"));
      if (!out || isNaN(start) || isNaN(end)) return;
      var hhmm = function (date) {
        return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
      };
      var local = hhmm(start) + "–" + hhmm(end);
      out.textContent = local === el.getAttribute("data-quiet-hours") ? "" : " Your time: " + local + ".";
    });
  }

  // A search's answer replaces its results: how many it found is said politely, from a status
  // line that stays in place (a region swapped in is not announced).
  function announceResults(evt) {
    var results = evt.detail && evt.detail.elt;
    if (!results || !results.hasAttribute || !results.hasAttribute("data-results-count")) return;
    var status = results.closest("form") && results.closest("form").querySelector("[data-results-status]");
    if (!status) return;
    var count = parseInt(results.getAttribute("data-results-count"), 10);
    var query = results.getAttribute("data-results-query");
    status.textContent = count === 0 ? "No film matches “" + query + "”."
      : count + (count === 1 ? " film" : " films") + " found for “" + query + "”.";
  }
  document.addEventListener("htmx:afterSettle", announceResults);

  function refresh() {
    startPolling();
    tickCountdowns();
    localQuietHours();
    updateTitle();
  }

  // A swap that replaces the focused element (a pick, a refused pick, a live update) would
  // drop keyboard focus to <body>, back at the top of the page. Put it on the same link if the
  // new board has one (or the same control, on the console), else on the pick panel's heading,
  // which says what happens next.
  // A button disabled while its request runs ("Draft this film") has already lost focus when
  // the answer comes: remember, per request, what had focus when it left.
  var ROOM = "#board-grid, #pick-panel, #console-room";
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var active = document.activeElement;
    if (evt.detail.xhr && active && active !== document.body && active.closest(ROOM)) {
      evt.detail.xhr.focusWas = active;
    }
  });
  var lostFocus = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    if ((!active || active === document.body) && evt.detail.xhr) active = evt.detail.xhr.focusWas;
    lostFocus = null;
    if (!evt.detail.shouldSwap || !active || !active.closest(ROOM)) return;
    lostFocus = { href: active.getAttribute("href"), id: active.closest("#console-room") && active.id };
  });
  document.addEventListener("htmx:afterSettle", function () {
    var lost = lostFocus;
    lostFocus = null;
    if (!lost || (document.activeElement && document.activeElement !== document.body)) return;
    var target = (lost.id && document.getElementById(lost.id)) ||
      (lost.href && document.querySelector('#board-grid a[href="' + CSS.escape(lost.href) + '"]'));
    if (!target) {
      target = document.querySelector("#pick-panel h2");
      if (target) target.setAttribute("tabindex", "-1");
    }
    if (target) target.focus();
  });

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("DOMContentLoaded", retryUnavailablePage);
  document.addEventListener("htmx:afterSettle", refresh);
  // Every second: the countdowns, and the viewer's own quiet hours in a banner the live room
  // has just put in.
  window.setInterval(function () { tickCountdowns(); localQuietHours(); }, 1000);
})();
