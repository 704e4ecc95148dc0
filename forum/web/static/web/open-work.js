// The count of open work in a moderator's header, asked for again every few seconds
// while the page is the visible tab, and not at all while it is hidden. Without
// JavaScript the count is as the page was served.
(function () {
  "use strict";
  var link = document.querySelector("[data-open-work-url]");
  if (!link) {
    return;
  }
  var url = link.getAttribute("data-open-work-url");
  var every = Math.max(1, Number(link.getAttribute("data-open-work-seconds")) || 20) * 1000;
  var badge = link.querySelector("[data-open-work-count]");
  var label = link.querySelector("[data-open-work-label]");
  var timer = null;

  function show(count) {
    badge.textContent = String(count);
    badge.hidden = count === 0;
    label.textContent = "(" + count + " open)";
  }

  function ask() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && typeof body.open === "number") {
          show(body.open);
        }
      })
      .catch(function () { /* offline for a moment: the next tick asks again */ });
  }

  // On coming back to the tab the count may be stale: ask at once, then every tick.
  function follow(event) {
    if (document.visibilityState === "visible") {
      if (timer === null) {
        if (event) {
          ask();
        }
        timer = window.setInterval(ask, every);
      }
    } else if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  document.addEventListener("visibilitychange", follow);
  follow();
})();
