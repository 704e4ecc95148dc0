/* Bookmarks without leaving the page. The posts' HTML is shared between readers, so
   under each post it carries a "Bookmark" link (to the post's bookmark page, which works
   without JavaScript), never this reader's form or whether they saved it. This script
   puts a copy of the page's one bookmark form (the <template> under the thread) in place
   of each link, asks once per page which of the posts and the thread this reader saved,
   marks them (with their notes), and sends the forms with fetch (Parley.sendInPlace, in
   parley.js), changing the mark in place. Loaded from our own origin under a strict CSP:
   no inline code. */
(function () {
  "use strict";

  // The note field shows the saved note; setting its default value changes what it shows
  // only while the reader has not typed in it, so a mark arriving late never wipes a note
  // being written.
  function mark(details, saved, note) {
    var label = details.querySelector(".bookmark-label");
    var thread = details.dataset.bookmark.indexOf("thread:") === 0;
    details.classList.toggle("is-bookmarked", saved);
    label.textContent = (saved ? "Bookmarked" : "Bookmark") + (thread ? " thread" : "");
    details.querySelector("input[name=note]").defaultValue = saved ? note : "";
    details.querySelector(".bookmark-remove").hidden = !saved;
  }

  function markAll(marks) {
    document.querySelectorAll("details.bookmark[data-bookmark]").forEach(function (details) {
      var parts = details.dataset.bookmark.split(":");
      var note = parts[0] === "thread" ? marks.thread : marks.posts[parts[1]];
      mark(details, note !== null && note !== undefined, note || "");
    });
  }

  // Each post's link becomes the form, named for that post.
  function formsInPlaceOfLinks() {
    var template = document.getElementById("bookmark-post-form");
    if (!template) return;
    document.querySelectorAll("a.bookmark-link[data-bookmark]").forEach(function (link) {
      var details = template.content.firstElementChild.cloneNode(true);
      var id = "bookmark-note-" + link.dataset.bookmark.replace(":", "-");
      details.dataset.bookmark = link.dataset.bookmark;
      details.querySelector("form").action = link.href;
      details.querySelector("label").htmlFor = id;
      details.querySelector("input[name=note]").id = id;
      link.replaceWith(details);
    });
  }

  formsInPlaceOfLinks();
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
    form.querySelector("input[name=note]").value = answer.bookmarked ? answer.note : "";
    details.open = false;
  });
})();
