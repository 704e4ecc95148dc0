// The count of open work in a moderator's header, asked for again every few seconds
// while the page is the visible tab (see poller.js).
(function () {
  "use strict";
  var link = document.querySelector("[data-open-work-url]");
  if (!link || !window.parleyPoll) {
    return;
  }
  var badge = link.querySelector("[data-open-work-count]");
  var label = link.querySelector("[data-open-work-label]");

  window.parleyPoll(
    link.getAttribute("data-open-work-url"),
    link.getAttribute("data-open-work-seconds") || 20,
    function (body) {
      if (typeof body.open === "number") {
        badge.textContent = String(body.open);
        badge.hidden = body.open === 0;
        label.textContent = "(" + body.open + " open)";
      }
    }
  );
})();
