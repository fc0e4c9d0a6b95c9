// Keeps a running job's status page current without reloading it: fetches the page again every few
// seconds and swaps in its status part, a live region, so screen readers hear the change. It stops once
// the fresh page no longer asks to be polled (the job ended, or the reader chose "Stop refreshing").
(function () {
  "use strict";
  var part = document.getElementById("job-status");
  if (!part || !part.dataset.poll) return;
  var every = Number(part.dataset.poll) * 1000;

  function tick() {
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-status");
        if (!fresh) return setTimeout(tick, every);
        part.innerHTML = fresh.innerHTML;
        if (fresh.dataset.poll) setTimeout(tick, every);
      })
      .catch(function () { setTimeout(tick, every); });  // a failed poll waits for the next one
  }
  setTimeout(tick, every);
})();
