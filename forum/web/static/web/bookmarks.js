/* Bookmarks without leaving the page. Each bookmark form works on its own (it posts, and
   the page comes back with a message); the posts' HTML is shared between readers, so it
   cannot say which of them this reader saved. This script asks once per page, marks the
   saved ones (with their notes), and sends the forms with fetch, changing the mark in
   place. Anything but a clean answer falls back to sending the form the plain way, so
   the page says why. Loaded from our own origin under a strict CSP: no inline code. */
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

  function send(form, button) {
    var body = new FormData(form);
    body.append(button.name, button.value);
    button.disabled = true;
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("refused: " + response.status);
        return response.json();
      })
      .then(function (answer) {
        var details = form.closest("details.bookmark");
        mark(details, answer.bookmarked, answer.note);
        details.open = false;
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("bookmark-form")) return;
    var button = event.submitter || form.querySelector("button[name=do]");
    event.preventDefault();
    send(form, button).catch(function () {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      form.appendChild(field);
      form.submit();
    });
  });
})();
