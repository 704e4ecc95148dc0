// Asks a URL for a small JSON answer every few seconds while the page is the visible
// tab, and not at all while it is hidden; on coming back it asks at once. The ETag of
// the last answer goes with each ask, so an unchanged answer is a 304 without a body.
// Without JavaScript nothing asks: the page is as it was served.
(function () {
  "use strict";

  window.parleyPoll = function (url, seconds, onAnswer) {
    var every = Math.max(1, Number(seconds) || 10) * 1000;
    var etag = null;
    var timer = null;

    function ask() {
      var headers = { Accept: "application/json" };
      if (etag) {
        headers["If-None-Match"] = etag;
      }
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (response) {
          if (response.status === 304 || !response.ok) {
            return null;
          }
          etag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (body) {
          if (body) {
            onAnswer(body);
          }
        })
        .catch(function () { /* offline for a moment: the next tick asks again */ });
    }

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
  };
})();
