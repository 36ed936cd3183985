// Live parts of a page (the queue on the Rückrufliste, the wallboard): every element with
// data-live-url is fetched again every data-live-seconds and replaced. Served from the
// project (no CDN); no inline script, so the Content-Security-Policy (script-src 'self') holds.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  var refreshers = [];
  var parts = document.querySelectorAll("[data-live-url]");
  Array.prototype.forEach.call(parts, function (part) {
    var url = part.getAttribute("data-live-url");
    var seconds = parseInt(part.getAttribute("data-live-seconds"), 10) || 20;
    function refresh() {
      if (document.hidden) {
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          // Signed out: the redirect lands on /login; leave the page as it is.
          return response.ok && !response.redirected ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined) {
            part.innerHTML = html;
            part.setAttribute("data-refreshed-at", String(Date.now()));
          }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }
    refreshers.push(refresh);
    window.setInterval(refresh, seconds * 1000);
  });
  // For the browser tests: refresh now instead of waiting for the timer.
  window.hotlineRefreshLive = function () {
    refreshers.forEach(function (refresh) { refresh(); });
  };
}());
