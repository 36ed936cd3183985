// Rückrufliste: reload the table's rows every 20 s, without disturbing an agent who
// is typing. Served from the project (no CDN, no library); no inline script, so the
// page's Content-Security-Policy (script-src 'self') holds.
(function () {
  "use strict";
  var body = document.getElementById("callback-rows");
  if (!body || !window.fetch) {
    return;
  }
  var url = body.getAttribute("data-refresh-url");
  var seconds = parseInt(body.getAttribute("data-refresh-seconds"), 10) || 20;

  // Busy: a field in the table has the focus, or holds text the agent typed.
  function busy() {
    var active = document.activeElement;
    if (active && body.contains(active) && active.matches("input, textarea, select, button, audio")) {
      return true;
    }
    var fields = body.querySelectorAll("textarea, input:not([type=hidden])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "") {
        return true;
      }
    }
    var players = body.querySelectorAll("audio");
    for (var j = 0; j < players.length; j++) {
      if (!players[j].paused) {
        return true;
      }
    }
    return false;
  }

  function refresh() {
    if (busy() || document.hidden) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        // Signed out (session expired): the redirect lands on /login; leave the page as it is.
        if (!response.ok || response.redirected) {
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null && html !== undefined && !busy()) {
          body.innerHTML = html;
          body.setAttribute("data-refreshed-at", String(Date.now()));
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.setInterval(refresh, seconds * 1000);
  window.hotlineRefreshCallbacks = refresh;
}());
