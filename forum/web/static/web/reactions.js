/* Reactions without leaving the page. Each reaction button is a form that works on its
   own (it posts, and the page comes back at the post); with this script the form is sent
   with fetch (Parley.sendInPlace, in parley.js) and the post's counts and buttons change
   in place. Loaded from our own origin under a strict CSP: no inline code. */
(function () {
  "use strict";

  function update(reactions, summary) {
    reactions.querySelectorAll(".reaction-form").forEach(function (form) {
      var kind = form.querySelector("input[name=kind]").value;
      var button = form.querySelector("button");
      var mine = summary.my_reactions.indexOf(kind) >= 0;
      var count = summary.reactions[kind] || 0;
      button.value = mine ? "remove" : "add";
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.querySelector(".reaction-count").textContent = String(count);
      var who = form.nextElementSibling;
      if (who && who.classList.contains("reaction-who")) who.hidden = count === 0;
    });
  }

  window.Parley.sendInPlace("reaction-form", function (form, summary) {
    update(form.closest(".reactions"), summary);
  });
})();
