/* Uploading an image from the composer without leaving the page. Without JavaScript the
   "Upload image" button sends the whole form, and the page comes back with the image's
   Markdown at the end of the text; with it, the file goes to the API and the Markdown
   is inserted where the cursor is. Loaded from our own origin under a strict CSP. */
(function () {
  "use strict";

  var UPLOAD_URL = "/api/v1/images/";

  function insertAtCursor(field, text) {
    var start = field.selectionStart, end = field.selectionEnd;
    var before = field.value.slice(0, start), after = field.value.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var trail = after && !/^\n/.test(after) ? "\n\n" : "\n";
    field.value = before + lead + text + trail + after;
    var caret = (before + lead + text + trail).length;
    field.focus();
    field.setSelectionRange(caret, caret);
  }

  function errorMessage(response, body) {
    if (body && body.error && body.error.message) {
      var fields = body.error.fields || {};
      return (fields.file && fields.file[0]) || body.error.message;
    }
    return "The upload failed (" + response.status + "). Try again.";
  }

  function upload(form, box, event) {
    var input = box.querySelector("input[type=file]");
    var field = form.querySelector("textarea[name=body]");
    var status = box.querySelector(".image-upload-status");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!input || !field || !token || !window.fetch || !window.FormData) return;
    event.preventDefault();
    if (!input.files.length) {
      status.textContent = "Choose an image to upload.";
      return;
    }
    var data = new FormData();
    data.append("file", input.files[0]);
    status.textContent = "Uploading…";
    fetch(UPLOAD_URL, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) throw new Error(errorMessage(response, body));
        insertAtCursor(field, body.markdown);
        input.value = "";
        status.textContent = "Image added: " + body.width + " × " + body.height + " pixels.";
      });
    }).catch(function (error) {
      status.textContent = error.message;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=upload_image]");
    if (!button) return;
    var box = button.closest("[data-image-upload]");
    if (box && button.form) upload(button.form, box, event);
  });
})();
