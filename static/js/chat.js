// The draft-room chat's small behaviours (templates/draft/chat.html), on top of htmx. Deferred;
// no inline scripts anywhere: the Content Security Policy allows only files like this one.
(function () {
  "use strict";

  function lastCursor() {
    var lines = document.querySelectorAll("#chat-lines > li[data-cursor]");
    return lines.length ? lines[lines.length - 1].getAttribute("data-cursor") : null;
  }

  function scrollBox() {
    return document.querySelector("#chat .chat__scroll");
  }

  // A post asks for every line after the newest one on the page: the live stream may have
  // added lines since the form was rendered.
  document.addEventListener("htmx:configRequest", function (evt) {
    if (!evt.detail.elt || evt.detail.elt.id !== "chat-form") return;
    var cursor = lastCursor();
    if (cursor) evt.detail.parameters.after = cursor;
  });

  // A line can arrive twice (in the answer to a post and from the live stream). It has the
  // same id wherever it is rendered: one that is already on the page is left out.
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var fragment = evt.detail.fragment;
    if (!fragment || !fragment.querySelectorAll) return;
    fragment.querySelectorAll("li.chat-line[id]").forEach(function (line) {
      if (document.getElementById(line.id)) line.remove();
    });
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    if (!elt || !elt.classList) return;
    var box = scrollBox();
    if (elt.classList.contains("chat-line__tools") && box) {
      // The deleted line takes the focused button with it: keep the focus in the chat.
      window.setTimeout(function () { box.focus(); }, 0);
    } else if (elt.id === "chat-form" && box) {
      // Your own message shows even if you had scrolled up to read (0 is the bottom).
      window.setTimeout(function () { box.scrollTop = 0; }, 0);
    }
  });
})();
