/* Reactions without leaving the page. Each reaction button is a form that works on its
   own (it posts, and the page comes back at the post); with this script the form is sent
   with fetch and the post's counts and buttons change in place. Anything but a clean
   answer (signed out, refused, offline) falls back to sending the form the plain way, so
   the page says why. Loaded from our own origin under a strict CSP: no inline code. */
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
      .then(function (summary) {
        update(form.closest(".reactions"), summary);
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("reaction-form")) return;
    var button = form.querySelector("button[name=do]");
    if (!button) return;
    event.preventDefault();
    send(form, button).catch(function () {
      // The plain way (submit() fires no submit event, and sends no button): the server
      // answers with the page, or says why it refused.
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      form.appendChild(field);
      form.submit();
    });
  });
})();
