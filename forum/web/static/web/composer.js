/* The composer, enhanced. Without this script every form works: Preview shows the text
   rendered and keeps it (and keeps a draft on the server), Discard draft discards it.
   With it:
   - a form with data-draft-url saves its text there (PUT, the drafts API) 2 seconds after
     the last keystroke, when the field loses focus and when the tab is hidden, never
     more often than every 5 seconds, and says so next to the editor: "Saving…",
     "Draft saved 12:03" or "Not saved: <reason>". Each save sends the updated_at of the
     copy it started from, so a newer draft saved on another device is not overwritten,
     and a draft posted or discarded on another device does not come back: the status
     says so and saving stops. Emptying the box discards the draft.
   - the body's box grows with its text where the browser cannot size it by CSS.
   Loaded from our own origin under a strict CSP: no inline code. */
(function () {
  "use strict";

  var QUIET_MS = 2000; // after the last keystroke
  var MIN_INTERVAL_MS = 5000; // between two saves

  function timeOf(iso) {
    var when = iso ? new Date(iso) : new Date();
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function Autosave(form) {
    this.form = form;
    this.url = form.getAttribute("data-draft-url");
    this.updatedAt = form.getAttribute("data-draft-updated-at") || null;
    // Sent with Preview, so that the server keeps the copy on the same terms.
    this.seen = form.querySelector("input[name=draft_updated_at]");
    this.status = form.querySelector("[data-draft-status]");
    this.discard = form.querySelector("[data-draft-discard]");
    this.body = form.querySelector("textarea[name=body]");
    this.title = form.querySelector("input[name=title]");
    this.category = form.querySelector("select[name=category]");
    this.parent = form.getAttribute("data-draft-parent") || "";
    this.saved = this.snapshot();
    this.timer = null;
    this.lastSent = 0;
    this.inFlight = false;
    this.stopped = false;
    var time = this.status && this.status.querySelector("time");
    if (time) time.textContent = timeOf(time.getAttribute("datetime"));
  }

  Autosave.prototype.snapshot = function () {
    return JSON.stringify([
      this.body ? this.body.value : "",
      this.title ? this.title.value : "",
      this.category ? this.category.value : "",
    ]);
  };

  Autosave.prototype.say = function (text, failed) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.classList.toggle("not-saved", !!failed);
  };

  Autosave.prototype.startedFrom = function (updatedAt) {
    this.updatedAt = updatedAt;
    if (this.seen) this.seen.value = updatedAt || "";
  };

  Autosave.prototype.schedule = function (delay) {
    var self = this;
    if (this.stopped) return;
    clearTimeout(this.timer);
    var wait = Math.max(delay, this.lastSent + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(function () { self.save(false); }, wait);
  };

  Autosave.prototype.csrfToken = function () {
    var field = this.form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  };

  Autosave.prototype.payload = function () {
    var data = { body: this.body ? this.body.value : "", updated_at: this.updatedAt };
    if (this.title) data.title = this.title.value;
    if (this.category) data.category = this.category.value || null;
    if (this.parent) data.parent_id = parseInt(this.parent, 10);
    return data;
  };

  Autosave.prototype.save = function (leaving) {
    var self = this;
    clearTimeout(this.timer);
    if (this.stopped) return;
    var current = this.snapshot();
    if (current === this.saved) return;
    if (this.inFlight) {
      this.schedule(QUIET_MS);
      return;
    }
    var data = this.payload();
    var empty = !data.body.trim() && !(data.title || "").trim();
    this.inFlight = true;
    this.lastSent = Date.now();
    this.say("Saving…");
    fetch(this.url, {
      method: empty ? "DELETE" : "PUT",
      credentials: "same-origin",
      keepalive: leaving,
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": this.csrfToken(),
      },
      body: empty ? null : JSON.stringify(data),
    })
      .then(function (response) {
        if (response.status === 204) return { discarded: true };
        return response.json().then(function (answer) {
          if (!response.ok) {
            var error = answer && answer.error;
            var reason = (error && error.message) || "the server refused it (" + response.status + ")";
            if (error && error.code === "draft_changed") {
              self.stopped = true;
              reason = "a newer draft was saved on another device; reload the page to see it.";
            } else if (error && error.code === "draft_gone") {
              self.stopped = true;
              if (self.discard) self.discard.hidden = true;
              reason = "posted or discarded elsewhere";
            } else if (response.status === 401 || response.status === 403) {
              reason = "you are not logged in; log in again in another tab.";
            }
            throw new Error(reason);
          }
          return answer;
        });
      })
      .then(function (answer) {
        self.saved = current;
        if (answer.discarded) {
          self.startedFrom(null);
          self.say("");
          if (self.discard) self.discard.hidden = true;
          return;
        }
        self.startedFrom(answer.updated_at);
        self.say("Draft saved " + timeOf(answer.updated_at));
        if (self.discard) self.discard.hidden = false;
      })
      .catch(function (error) {
        var reason = error && error.message && !/fetch|network/i.test(error.message)
          ? error.message
          : "you seem to be offline.";
        self.say("Not saved: " + reason, true);
      })
      .finally(function () {
        self.inFlight = false;
        if (!self.stopped && self.snapshot() !== self.saved && !leaving) self.schedule(QUIET_MS);
      });
  };

  Autosave.prototype.start = function () {
    var self = this;
    var edited = function () { self.schedule(QUIET_MS); };
    this.form.addEventListener("input", edited);
    this.form.addEventListener("change", edited);
    this.form.addEventListener("focusout", function () { self.schedule(0); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") self.save(true);
    });
    // Posting the form publishes (and so deletes) the draft: no save may follow it.
    this.form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && (button.name === "preview" || button.name === "upload_image")) return;
      self.stopped = true;
      clearTimeout(self.timer);
    });
  };

  // --- a box that grows with its text -------------------------------------------------
  var sizesByCss = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  function grow(field) {
    field.style.height = "auto";
    field.style.height = Math.min(field.scrollHeight + 2, window.innerHeight * 0.75) + "px";
  }

  document.querySelectorAll("form.composer").forEach(function (form) {
    var body = form.querySelector("textarea[name=body]");
    if (body && !sizesByCss) {
      grow(body);
      body.addEventListener("input", function () { grow(body); });
    }
    if (form.hasAttribute("data-draft-url") && window.fetch) new Autosave(form).start();
  });
})();
