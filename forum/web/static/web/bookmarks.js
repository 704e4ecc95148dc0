/* Bookmarks without leaving the page. Each bookmark form works on its own (it posts, and
   the page comes back with a message); the posts' HTML is shared between readers, so it
   cannot say which of them this reader saved. This script asks once per page, marks the
   saved ones (with their notes), and sends the forms with fetch (Parley.sendInPlace, in
   parley.js), changing the mark in place. Loaded from our own origin under a strict CSP:
   no inline code. */
(function () {
  "use strict";

  function mark(details, saved, note) {
    var label = details.querySelector(".bookmark-label");
    var thread = details.dataset.bookmark.indexOf("thread:") === 0;
    details.classList.toggle("is-bookmarked", saved);
    label.textContent = (saved ? "Bookmarked" : "Bookmark") + (thread ? " thread" : "");
    details.querySelector("input[name=note]").value = saved ? note : "";
    details.querySelector(".bookmark-remove").hidden = !saved;
  }

  function markAll(marks) {
    document.querySelectorAll("details.bookmark[data-bookmark]").forEach(function (details) {
      var parts = details.dataset.bookmark.split(":");
      var note = parts[0] === "thread" ? marks.thread : marks.posts[parts[1]];
      mark(details, note !== null && note !== undefined, note || "");
    });
  }

  var source = document.querySelector("[data-bookmarks-state]");
  if (source) {
    fetch(source.dataset.bookmarksState, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("refused: " + response.status);
        return response.json();
      })
      .then(markAll)
      .catch(function () {
        // Left as they are: every form still saves and removes the plain way.
      });
  }

  window.Parley.sendInPlace("bookmark-form", function (form, answer) {
    var details = form.closest("details.bookmark");
    mark(details, answer.bookmarked, answer.note);
    details.open = false;
  });
})();
