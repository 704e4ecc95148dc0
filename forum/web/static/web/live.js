// A member's thread page, followed live: "N new replies — show" appears when replies
// they may read come after the page was served, and the header's notification count
// follows theirs, without a reload (see poller.js). "Show" opens the thread at the
// first post new to them, as the link from the lists does.
(function () {
  "use strict";
  var live = document.querySelector("[data-live-url]");
  if (!live || !window.parleyPoll) {
    return;
  }
  var count = live.querySelector("[data-live-count]");
  var notifications = document.querySelector("[data-notifications]");
  var url = live.getAttribute("data-live-url") + "?after=" +
    encodeURIComponent(live.getAttribute("data-live-after"));

  // The header link as the server writes it: "Notifications", then the badge and its
  // spoken label only while some are unread.
  function showNotifications(unread) {
    var badge = notifications.querySelector(".badge");
    var label = notifications.querySelector(".visually-hidden");
    if (unread === 0) {
      [badge, label].forEach(function (node) { if (node) { node.remove(); } });
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.setAttribute("aria-hidden", "true");
      label = document.createElement("span");
      label.className = "visually-hidden";
      notifications.append(" ", badge, label);
    }
    badge.textContent = String(unread);
    label.textContent = "(" + unread + " unread)";
  }

  window.parleyPoll(url, live.getAttribute("data-live-seconds"), function (body) {
    if (typeof body.new_posts === "number") {
      count.textContent = body.new_posts === 1 ? "1 new reply" : body.new_posts + " new replies";
      live.hidden = body.new_posts === 0;
    }
    if (notifications && typeof body.notifications_unread === "number") {
      showNotifications(body.notifications_unread);
    }
  });
})();
