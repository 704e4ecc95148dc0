/* Parley's small enhancements to server-rendered pages. Every one has a path that works
   without JavaScript: the "Quote" link quotes a whole post, the report page has a
   "Which part" choice, and "Upload image" sends the composer's form. Loaded from our
   own origin under a strict CSP: no inline code. */
(function () {
  "use strict";

  // --- paragraphs, numbered as moderation/content.py numbers them -------------------
  // Leaf blocks are paragraphs; a leaf holding other blocks counts only for its own
  // text or links outside them. Keep in step with _LEAF_BLOCKS and _CONTAINER_BLOCKS:
  // a report's paragraph is the index this gives, and the moderator reads it from the
  // server's numbering (tests/forum/web/test_paragraph_numbers.py compares the two).
  // People see the index counted from 1, as content.paragraph_number shows it.
  var LEAF = ["P", "H1", "H2", "H3", "H4", "H5", "H6", "PRE", "LI", "TH", "TD", "DT", "DD",
    "CAPTION", "FIGCAPTION", "SUMMARY"];
  var CONTAINER = ["BLOCKQUOTE", "UL", "OL", "DL", "TABLE", "THEAD", "TBODY", "TFOOT", "TR",
    "DIV", "SECTION", "ARTICLE", "ASIDE", "DETAILS", "FIGURE", "HEADER", "FOOTER", "NAV",
    "MAIN", "HR"];
  var isLeaf = function (el) { return LEAF.indexOf(el.tagName) >= 0; };
  var isBlock = function (el) { return isLeaf(el) || CONTAINER.indexOf(el.tagName) >= 0; };

  function nearestBlock(node, root) {
    for (var el = node.parentElement; el && el !== root; el = el.parentElement) {
      if (isBlock(el)) return el;
    }
    return null;
  }

  function paragraphs(body) {
    var found = [];
    body.querySelectorAll("*").forEach(function (el) {
      if (!isLeaf(el)) return;
      var nested = Array.prototype.some.call(el.querySelectorAll("*"), isBlock);
      if (!nested) {
        found.push({ element: el, text: el.textContent });
        return;
      }
      var own = "";
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        if (nearestBlock(walker.currentNode, body) === el) own += walker.currentNode.data;
      }
      var ownLink = Array.prototype.some.call(el.querySelectorAll("a"), function (a) {
        return nearestBlock(a, body) === el;
      });
      if (ownLink || own.trim()) found.push({ element: el, text: own });
    });
    return found;
  }

  // --- report one paragraph -----------------------------------------------------------
  // A small flag at the end of each paragraph of a post the reader may report. The flag
  // has no text of its own (CSS draws it), so copying or quoting a passage leaves it out.
  function addParagraphReportLinks(body) {
    var url = body.getAttribute("data-report-url");
    if (!url) return;
    paragraphs(body).forEach(function (paragraph, index) {
      if (!paragraph.text.trim()) return;
      var link = document.createElement("a");
      link.className = "paragraph-report";
      link.href = url + "?paragraph=" + index;
      link.setAttribute("aria-label", "Report paragraph " + (index + 1));
      link.title = "Report this paragraph";
      // Out of the tab order: a long post would otherwise add a stop per paragraph.
      // Keyboard users pick the paragraph on the page the post's "Report" link opens.
      link.tabIndex = -1;
      if (paragraph.element.tagName === "PRE") {
        paragraph.element.insertAdjacentElement("afterend", link);
      } else {
        paragraph.element.appendChild(link);
      }
    });
  }

  // --- quote a selected passage -------------------------------------------------------
  var QUOTE_KEY = "parley:pending-quote";
  var quoteButton = null;
  var pending = null; // {body, text} while the button is shown

  function quoteMarkup(body, text) {
    text = text.replace(/\r\n?/g, "\n").replace(/^\n+|\s+$/g, "");
    var opener = body.getAttribute("data-quote-open");
    if (opener) return opener + "\n" + text + "\n[/quote]\n\n";
    return text.split("\n").map(function (line) {
      return line ? "> " + line : ">";
    }).join("\n") + "\n\n";
  }

  function replyFormFor(postId) {
    var form = document.getElementById("reply-form");
    if (form && form.getAttribute("data-reply-to") === postId) return form;
    return null;
  }

  function insertIntoForm(form, markup) {
    var field = form.querySelector("textarea");
    if (!field) return;
    var before = field.value.replace(/\s+$/, "");
    field.value = before ? before + "\n\n" + markup : markup;
    // As typing would: the composer saves the draft and grows the box.
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
    form.scrollIntoView({ block: "center" });
  }

  function quote(body, text) {
    var markup = quoteMarkup(body, text);
    var postId = body.getAttribute("data-post");
    var open = document.getElementById("reply-form");
    var openField = open && open.querySelector("textarea");
    // A reply already being written takes the quote wherever it is going: leaving the
    // page for the quoted post's own form would throw the writing away.
    var form = replyFormFor(postId) || (openField && openField.value.trim() ? open : null);
    hideQuoteButton();
    if (form) {
      insertIntoForm(form, markup);
      return;
    }
    // The form for this post is on another page (or not open yet): carry the quote over.
    try {
      sessionStorage.setItem(QUOTE_KEY, JSON.stringify({ post: postId, markup: markup }));
    } catch (e) {
      return; // storage refused: the "Quote" link still quotes the whole post
    }
    window.location.assign(body.getAttribute("data-reply-url"));
  }

  function takePendingQuote() {
    var saved;
    try {
      saved = JSON.parse(sessionStorage.getItem(QUOTE_KEY) || "null");
      sessionStorage.removeItem(QUOTE_KEY);
    } catch (e) {
      return;
    }
    if (!saved) return;
    var form = replyFormFor(saved.post);
    if (form) insertIntoForm(form, saved.markup);
  }

  function bodyOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest(".post-body[data-post]") : null;
  }

  function hideQuoteButton() {
    pending = null;
    if (quoteButton) quoteButton.hidden = true;
  }

  function showQuoteButton(body, text, rect) {
    if (!quoteButton) {
      quoteButton = document.createElement("button");
      quoteButton.type = "button";
      quoteButton.className = "quote-selection";
      quoteButton.textContent = "Quote";
      // Keep the selection: a mousedown on a button would otherwise clear it first.
      quoteButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
      quoteButton.addEventListener("click", function () {
        if (pending) quote(pending.body, pending.text);
      });
    }
    pending = { body: body, text: text };
    quoteButton.setAttribute("aria-label", "Quote the selected text in a reply");
    // Right after the post in the document, so the keyboard reaches it next.
    if (quoteButton.previousElementSibling !== body) body.insertAdjacentElement("afterend", quoteButton);
    quoteButton.hidden = false;
    quoteButton.style.top = Math.round(window.scrollY + rect.bottom + 6) + "px";
    quoteButton.style.left = Math.round(window.scrollX + Math.max(8, rect.left)) + "px";
  }

  function onSelectionChange() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) {
      // Moving focus to the button collapses nothing, so keep it while it has focus.
      if (document.activeElement !== quoteButton) hideQuoteButton();
      return;
    }
    var range = selection.getRangeAt(0);
    var body = bodyOf(range.startContainer);
    if (!body || body !== bodyOf(range.endContainer) || !body.getAttribute("data-reply-url")) {
      hideQuoteButton();
      return;
    }
    var text = selection.toString();
    if (!text.trim()) {
      hideQuoteButton();
      return;
    }
    var rects = range.getClientRects();
    var rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    showQuoteButton(body, text, rect);
  }

  var timer = null;
  function scheduleSelectionCheck() {
    window.clearTimeout(timer);
    timer = window.setTimeout(onSelectionChange, 120);
  }

  // --- unsent writing: warn before leaving a page with it -----------------------------
  var unsent = false;
  function watchUnsentWriting() {
    document.querySelectorAll("form textarea").forEach(function (field) {
      field.addEventListener("input", function () { unsent = true; });
      field.form.addEventListener("submit", function () { unsent = false; });
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsent) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show their prompt
    });
  }

  // --- copy buttons (the API token page); hidden until the script can work them ---
  function enableCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = "Copied";
        }, function () {
          field.select(); // the clipboard refused: leave it selected to copy by hand
        });
      });
    });
  }

  // --- images: upload from the composer and insert the Markdown at the cursor --------
  // Without JavaScript the "Upload image" button sends the whole form and the page comes
  // back with the image's Markdown at the end of the text.
  var IMAGE_UPLOAD_URL = "/api/v1/images/";

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

  function uploadRefusal(response, body) {
    if (body && body.error && body.error.message) {
      var fields = body.error.fields || {};
      return (fields.file && fields.file[0]) || body.error.message;
    }
    return "The upload failed (" + response.status + "). Try again.";
  }

  function uploadImage(form, box, event) {
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
    fetch(IMAGE_UPLOAD_URL, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) throw new Error(uploadRefusal(response, body));
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
    if (box && button.form) uploadImage(button.form, box, event);
  });

  // --- printing: a folded branch prints unfolded, and folds again afterwards ----------
  var foldedForPrint = [];
  window.addEventListener("beforeprint", function () {
    // A bare address already shows on paper; print.css spells out the others.
    var bare = function (address) {
      return address.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/$/, "");
    };
    document.querySelectorAll(".post-body a[href]").forEach(function (link) {
      if (bare(link.textContent) === bare(link.href)) link.classList.add("shows-address");
    });
    foldedForPrint = Array.prototype.filter.call(
      document.querySelectorAll("details.branch:not([open])"),
      function (details) { details.open = true; return true; }
    );
  });
  window.addEventListener("afterprint", function () {
    foldedForPrint.forEach(function (details) { details.open = false; });
    foldedForPrint = [];
  });

  function start() {
    document.querySelectorAll(".post-body[data-post]").forEach(addParagraphReportLinks);
    if (document.querySelector(".post-body[data-reply-url]")) {
      document.addEventListener("selectionchange", scheduleSelectionCheck);
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape") hideQuoteButton();
      });
    }
    takePendingQuote();
    watchUnsentWriting();
    enableCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Forms that change a page in place (reactions.js, bookmarks.js). Each such form works on
   its own (it posts, and the page comes back); with `Parley.sendInPlace` it is sent with
   fetch asking for JSON, and the answer is applied to the page. Anything but a clean
   answer (signed out, refused, offline) falls back to sending the form the plain way, so
   the page says why. */
window.Parley = window.Parley || {};
(function (Parley) {
  "use strict";

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
      .finally(function () {
        button.disabled = false;
      });
  }

  function submitPlainly(form, button) {
    // submit() fires no submit event, and sends no button: the button's value goes in a
    // field of its own.
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = button.name;
    field.value = button.value;
    form.appendChild(field);
    form.submit();
  }

  // Every form of class `formClass` is sent with fetch as the button pressed would send
  // it, and `apply(form, answer)` shows the JSON answer on the page.
  Parley.sendInPlace = function (formClass, apply) {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList || !form.classList.contains(formClass)) return;
      var button = event.submitter || form.querySelector("button[name]");
      if (!button || !button.name) return;
      event.preventDefault();
      send(form, button)
        .then(function (answer) {
          apply(form, answer);
        })
        .catch(function () {
          submitPlainly(form, button);
        });
    });
  };
})(window.Parley);
