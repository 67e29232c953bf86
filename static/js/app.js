// Moviedraft's small behaviours that htmx does not cover. Loaded on every page, deferred.
(function () {
  "use strict";
})();
