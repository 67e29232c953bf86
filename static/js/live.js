// The live draft room: the board (and the console, the queue page) follow every change as it
// happens, through the draft's event stream (Server-Sent Events). Where the stream cannot run
// (SQLite, a proxy that holds the stream back, a server without it) the page polls instead, and
// tries the stream again later. No inline script: the Content Security Policy forbids it.
(function () {
  "use strict";

  var room = null;        // the element carrying data-events-url
  var source = null;      // the EventSource
  var streaming = false;  // a stream is open and has said "ready"
  var retryTimer = null;
  var readyTimer = null;
  var READY_WAIT_MS = 6000;
  var RETRY_LATER_MS = 60000;

  function $(selector) { return document.querySelector(selector); }

  function me() {
    var panel = $("#pick-panel");
    return panel ? panel.getAttribute("data-member") || "" : "";
  }

  function grid() { return $("#board-grid"); }

  function version() {
    var el = grid() || room;
    return el ? parseInt(el.getAttribute("data-version") || "0", 10) : 0;
  }

  function setVersion(v) {
    var el = grid() || room;
    if (el) el.setAttribute("data-version", String(v));
  }

  // --- Polling while there is no stream (app.js polls; it asks first whether we stream) ---

  function setStreaming(on) {
    streaming = on;
    if (on) document.documentElement.setAttribute("data-streaming", "");
    else document.documentElement.removeAttribute("data-streaming");
  }

  // Every request from the board grid (the poll, a resync) says which version the page shows
  // and the viewer's panel key, so the server answers 204 when nothing changed.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    // A pick says which version its page shows: the answer is then just what changed since.
    if (elt && elt.closest && elt.closest(".pick-form") && evt.detail.verb === "post") {
      evt.detail.parameters.v = String(version());
      return;
    }
    if (!elt || elt.id !== "board-grid" || evt.detail.verb !== "get") return;
    evt.detail.parameters.v = String(version());
    var panel = $("#pick-panel");
    if (panel && panel.getAttribute("data-key")) evt.detail.parameters.p = panel.getAttribute("data-key");
  });

  // --- The stream ------------------------------------------------------------------------

  function open() {
    if (!room || room.getAttribute("data-live") !== "1" || !window.EventSource) return;
    close();
    var url = room.getAttribute("data-events-url") + "?v=" + version();
    source = new EventSource(url);
    readyTimer = window.setTimeout(function () {
      // No word within a few seconds: a proxy is holding the stream back. Poll instead.
      close();
      later();
    }, READY_WAIT_MS);
    source.addEventListener("ready", function () {
      window.clearTimeout(readyTimer);
      setStreaming(true);
      // Lines posted before the stream opened: since the page was drawn, or since the page
      // was kept (a kept board outlives chat lines, config/pagecache.py).
      fetchChat(false);
    });
    source.addEventListener("unavailable", function () {
      close();
      later();
    });
    source.addEventListener("board", function (evt) { onBoard(JSON.parse(evt.data)); });
    source.addEventListener("resync", function () { resync(); });
    // The viewer may no longer watch this draft (the league was made private, they were
    // removed, they signed out elsewhere): stop, and load the page again, which then says
    // what anyone without access is told.
    source.addEventListener("gone", function () {
      close();
      window.clearTimeout(retryTimer);
      room = null;
      window.location.reload();
    });
    source.addEventListener("chat", function (evt) { onChat(JSON.parse(evt.data)); });
    source.onerror = function () {
      // The browser reconnects by itself (sending the last event id); until it says "ready"
      // again, the page polls so that nothing is missed.
      setStreaming(false);
      if (source && source.readyState === EventSource.CLOSED) {
        close();
        later();
      }
    };
  }

  function close() {
    window.clearTimeout(readyTimer);
    if (source) source.close();
    source = null;
    setStreaming(false);
  }

  function later() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(open, RETRY_LATER_MS);
  }

  // --- Applying a board event ------------------------------------------------------------

  // While this page's own pick is on its way, its answer brings the new board and panel: an
  // event that cannot be applied as it stands (a resync) waits for it.
  var picking = false;
  var waiting = null;

  function onBoard(data) {
    if (data.v <= version()) {
      // Seen already (our own pick's answer, a reconnect): but the answer to a pick brings
      // no chat lines, so the pick's own line comes from here (a line on the page already
      // is not added twice).
      (data.chat || []).forEach(onChat);
      return;
    }
    if (data.from !== version() || !data.pieces) {
      // While this page's own pick is on its way, its answer brings the board: wait for it.
      if (picking) { waiting = data; return; }
      resync();
      return; // the resync's answer brings the board, the panel and what happened
    }
    // The grid, the banner and the recent picks take the event at once, also while this
    // page's own pick is on its way (it is most likely that very pick: the picker sees it as
    // soon as everyone does). The panel, which holds the pick's form, is left to the answer.
    Object.keys(data.pieces).forEach(function (id) { replace(id, data.pieces[id]); });
    setVersion(data.v);
    afterChange();
    announce(data);
    markTaken(data.taken || []);
    (data.chat || []).forEach(onChat);
    if (!picking) refreshOwnParts(false, data.turn);
  }

  function replace(id, html) {
    var old = document.getElementById(id);
    if (!old) return;
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.firstElementChild;
    if (!fresh) return;
    var hadFocus = old.contains(document.activeElement);
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    if (hadFocus) {
      var target = fresh.querySelector("a, button") || fresh;
      if (!target.hasAttribute("tabindex") && target === fresh) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  }

  // The page missed something (a reconnect, a change of the grid's shape): one request brings
  // the board, the viewer's panel and what happened; the chat is fetched again with it.
  function resync() {
    if (window.htmx && $("#chat") && room.getAttribute("data-chat-url")) {
      window.htmx.ajax("GET", room.getAttribute("data-chat-url"), {
        target: "#chat", swap: "outerHTML", select: "#chat"
      });
    }
    if (!window.htmx || !grid()) {
      refreshOwnParts(true);
      return;
    }
    window.htmx.ajax("GET", room.getAttribute("data-board-url") || window.location.pathname, {
      source: grid(), target: "#board-grid", swap: "outerHTML"
    });
  }

  function same(a, b) { return String(a == null ? "" : a) === String(b == null ? "" : b); }

  // What happened, in plain words, for every viewer (politely).
  function announce(data) {
    var said = (data.say || []).join(" ");
    if (said) speak("#board-flash", said);
  }

  // What changed for this viewer, from their own panel (whether it came with a live event or
  // a poll): the member who comes on the clock is told assertively (and, in a hidden tab,
  // with a notification if they asked for one); the member up next is told politely.
  var panelWas = null;
  function panelTurn() {
    var panel = $("#pick-panel");
    return {
      onClock: !!(panel && panel.hasAttribute("data-your-turn")),
      turnText: panel ? panel.getAttribute("data-turn-text") || "" : "",
      onDeck: panel ? panel.getAttribute("data-on-deck") || "" : ""
    };
  }

  function noticeTurn() {
    var now = panelTurn();
    var was = panelWas;
    panelWas = now;
    if (!was || justPicked) { justPicked = false; return; }
    if (now.onClock && !was.onClock && now.turnText) {
      speak("#board-alert", now.turnText);
      notifyIfHidden(now.turnText);
    } else if (now.onDeck && !was.onDeck) {
      var flash = $("#board-flash");
      var before = flash ? flash.textContent.trim() : "";
      speak("#board-flash", (before ? before + " " : "") + now.onDeck);
    }
  }

  // The viewer's own pick answers with their new panel: that is not news to them.
  var justPicked = false;
  function isPick(evt) {
    var elt = evt.detail.elt;
    return !!(elt && elt.closest && elt.closest(".pick-form, .queue-mini"));
  }
  // The pick's request is followed by its xhr: its answer replaces the form it came from, so
  // htmx:afterRequest may fire on an element no longer in the page (and never reach the
  // document); the settle of the new board, or any failure, ends the wait as well.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (!isPick(evt)) return;
    justPicked = true;
    picking = evt.detail.xhr || true;
    panelAsked += 1; // a panel asked for before this pick would be out of date
  });
  function pickDone(evt) {
    if (!picking || (picking !== true && evt.detail.xhr !== picking)) return;
    picking = false;
    var data = waiting;
    waiting = null;
    // After the answer has settled: an event for a later version still applies (or resyncs).
    if (data) window.setTimeout(function () { onBoard(data); }, 0);
  }
  ["htmx:afterRequest", "htmx:afterSettle", "htmx:sendError", "htmx:responseError",
    "htmx:timeout", "htmx:swapError"].forEach(function (name) {
    document.addEventListener(name, pickDone);
  });

  // The answer to this page's own pick brought the changed pieces (out of band); the board's
  // new version and turn come with it as an event, as they come with a live one. The live
  // event for the same pick, when it arrives, then finds the page up to date.
  document.addEventListener("board:picked", function (evt) {
    var data = evt.detail || {};
    if (!(data.v > version())) return;
    setVersion(data.v);
    lastTurn = data.turn || null;
    turnGrid = grid();
    afterChange();
  });

  function speak(selector, text) {
    var region = $(selector);
    if (!region) return;
    var line = document.createElement("p");
    line.className = "message message--info";
    line.textContent = text;
    region.replaceChildren(line);
  }

  function notifyIfHidden(text) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try {
      new Notification("Your pick!", { body: text, tag: "moviedraft-turn" });
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  // A film in my queue that someone just took is marked at once; the panel's refresh then says
  // who took it.
  function markTaken(taken) {
    var ids = {};
    taken.forEach(function (id) { ids[String(id)] = true; });
    document.querySelectorAll(".queue-mini__item[data-movie]").forEach(function (item) {
      if (ids[item.getAttribute("data-movie")]) item.classList.add("queue-mini__item--sniped");
    });
  }

  // The viewer's own parts: a seat holder's panel (their turn, their next pick, picks away), a
  // commissioner's console, the queue page. Readers have none and fetch nothing.
  function refreshOwnParts(always, turn) {
    var panel = $("#pick-panel");
    var panelUrl = room && room.getAttribute("data-panel-url");
    if (panel && panelUrl && window.htmx && (always || panelConcerned(panel, turn))) {
      fetchPanel(panelUrl);
    }
    document.querySelectorAll("[data-live-refresh]").forEach(function (el) {
      if (!window.htmx) return;
      window.htmx.ajax("GET", el.getAttribute("data-live-refresh"), { target: "#" + el.id, swap: "outerHTML" });
    });
  }

  // The viewer's panel, asked again after each change that concerns them. Two changes in
  // quick succession ask twice, and the answers may come back in either order: only the
  // answer to the latest question is shown (nor one asked before this page's own pick, whose
  // answer brings the panel as it now is).
  // A search typed meanwhile is kept: the panel is asked for with it (its results come marked
  // as they now are: a film just taken, another round's rules), and what was typed after the
  // question went out is searched again; the focus, the caret and the film chosen stay.
  var panelAsked = 0;
  function fetchPanel(url) {
    var asked = ++panelAsked;
    var typed = searchTyped();
    var ask = typed ? url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(typed) : url;
    window.fetch(ask, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.status === 200 ? response.text() : null; })
      .then(function (html) {
        if (html === null || asked !== panelAsked || !$("#pick-panel")) return;
        var kept = searchState();
        window.htmx.swap("#pick-panel", html, { swapStyle: "outerHTML" });
        restoreSearch(kept, typed);
      })
      .catch(function () { /* the board's next change or poll asks again */ });
  }

  // The panel also comes out of band, with a board the poll brought: the same care.
  var oobKept = null;
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "pick-panel") oobKept = searchState();
  });
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (!oobKept || !evt.detail.target || evt.detail.target.id !== "pick-panel") return;
    var kept = oobKept;
    oobKept = null;
    restoreSearch(kept, "");
  });

  function searchTyped() {
    var input = $("#pick-panel #movie-search");
    return input ? input.value.trim() : "";
  }

  function searchState() {
    var input = $("#pick-panel #movie-search");
    if (!input) return null;
    var chosen = $("#pick-panel input[name=movie]:checked");
    return {
      value: input.value,
      focused: document.activeElement === input,
      start: input.selectionStart,
      end: input.selectionEnd,
      chosen: chosen ? chosen.value : null
    };
  }

  function restoreSearch(kept, asked) {
    var input = $("#pick-panel #movie-search");
    if (!kept || !input || !kept.value.trim()) return;
    if (input.value !== kept.value) input.value = kept.value;
    if (kept.value.trim() !== asked) {
      // Typed after the panel was asked for. htmx wires a swapped-in form up when the swap
      // settles; this search goes now.
      window.htmx.process($("#pick-panel"));
      window.htmx.trigger("#film-search", "submit");
    } else if (kept.chosen) {
      var same = $("#pick-panel input[name=movie][value='" + kept.chosen.replace(/\D/g, "") + "']");
      if (same && !same.disabled) same.checked = true;
    }
    if (kept.focused) {
      input.focus();
      try { input.setSelectionRange(kept.start, kept.end); } catch (e) { /* not a text field */ }
    }
  }

  // Whose turn it was before the event (from the grid the page was drawn with, then from
  // each event): a seat holder fetches their panel only when the change concerns them (they
  // were or are on the clock or on deck, owe a pick, or the draft started, paused or ended).
  // Anyone else's panel only counts down its picks away, which the page does itself.
  var lastTurn = null;
  var turnGrid = null; // the grid lastTurn goes with: a grid drawn since (a resync, the
                       // answer to our own pick) knows better
  function turnBefore() {
    var el = grid();
    if (lastTurn && el === turnGrid) return lastTurn;
    try { return el ? JSON.parse(el.getAttribute("data-turn") || "null") : null; } catch (e) { return null; }
  }

  function panelConcerned(panel, turn) {
    if (!panel.hasAttribute("data-seat")) return false;
    var was = turnBefore();
    lastTurn = turn || null;
    turnGrid = grid();
    if (!turn || !was || was.status !== turn.status) return true;
    var mine = me();
    var involved = [was.on_clock, turn.on_clock, was.up_next, turn.up_next]
      .concat(was.owed || [], turn.owed || []);
    if (involved.some(function (id) { return same(id, mine); })) return true;
    var away = panel.querySelector("[data-picks-away]");
    if (!away || !turn.slot) return !!away;
    var count = parseInt(away.getAttribute("data-picks-away"), 10) - turn.slot;
    if (!(count >= 1)) return true;
    away.textContent = count + (count === 1 ? " pick away" : " picks away");
    return false;
  }

  // Chat lines: a message posted (or a pick, an undo, a pause) goes at the end of the chat; a
  // deleted one goes away. A line already on the page (your own post's answer) is not added
  // twice.
  function onChat(data) {
    if (data.deleted) {
      var gone = document.getElementById(data.id);
      if (gone) gone.remove();
      return;
    }
    // The stream's lines are the same for everyone; a commissioner's chat shows each message
    // with its delete button, so it asks for its new lines itself.
    if ($("#chat.chat--moderator") && /^chat-m/.test(data.id || "")) {
      if (!document.getElementById(data.id)) fetchChat(true);
      return;
    }
    addLine(data);
  }

  function addLine(data) {
    var list = $("#chat-lines");
    if (!list || !data.html || document.getElementById(data.id)) return;
    var template = document.createElement("template");
    template.innerHTML = data.html.trim();
    var line = template.content.firstElementChild;
    if (!line) return;
    list.appendChild(line);
    if (window.htmx) window.htmx.process(line);
  }

  // Without the stream the chat is asked for its new lines each time the board polls (the
  // poll's pace, its pause in hidden tabs and its backoff apply). Deleted messages go at the
  // next full load; the stream removes them at once.
  var chatAsking = false;
  var chatAgain = false;
  function pollChat(evt) {
    var elt = evt.detail && evt.detail.elt;
    if (streaming) return;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll-seconds")) return;
    fetchChat(false);
  }

  // The chat's lines after its newest one, as this viewer sees them. A line the stream
  // announced while a request was on its way may be missing from its answer: ask `again`.
  function fetchChat(again) {
    var url = room && room.getAttribute("data-chat-url");
    if (chatAsking) { chatAgain = chatAgain || again; return; }
    if (!url || !$("#chat-lines")) return;
    var lines = document.querySelectorAll("#chat-lines > li[data-cursor]");
    var after = lines.length ? lines[lines.length - 1].getAttribute("data-cursor") : "";
    chatAsking = true;
    window.fetch(url + "?after=" + encodeURIComponent(after), {
      headers: { "HX-Request": "true" }, credentials: "same-origin"
    }).then(function (response) {
      return response.status === 200 ? response.text() : "";
    }).then(function (html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      template.content.querySelectorAll("li.chat-line[id]").forEach(function (line) {
        addLine({ id: line.id, html: line.outerHTML });
      });
    }).catch(function () { /* the board's poll says when the site cannot be reached */ })
      .then(function () {
        chatAsking = false;
        if (chatAgain) { chatAgain = false; fetchChat(false); }
      });
  }

  document.addEventListener("htmx:afterRequest", pollChat);

  // --- After any change to the board -----------------------------------------------------

  function afterChange() {
    var banner = $("#board-banner");
    var panel = $("#pick-panel");
    if (!banner) return;
    var mine = !!(panel && panel.hasAttribute("data-on-clock") &&
      same(banner.getAttribute("data-on-clock-member"), me()));
    banner.classList.toggle("banner--you", mine);
    var tag = banner.querySelector("[data-you-tag]");
    if (tag) tag.textContent = mine ? "(you)" : "";
  }

  document.addEventListener("htmx:afterSettle", afterChange);
  document.addEventListener("htmx:afterSettle", noticeTurn);

  // "Notify me when it is my turn": asked for with a button, never on page load.
  function offerNotifications() {
    var button = $("[data-notify-button]");
    if (!button || !("Notification" in window) || Notification.permission !== "default") return;
    button.parentElement.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.parentElement.hidden = true; });
    });
  }

  document.addEventListener("htmx:afterSettle", offerNotifications);

  document.addEventListener("DOMContentLoaded", function () {
    room = $("[data-events-url]");
    if (!room) return;
    panelWas = panelTurn();
    afterChange();
    offerNotifications();
    open();
  });

  // A tab coming back to the front reconnects at once if its stream was closed meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && room && !source) open();
  });
})();
