/* Weeks of uptime: keep Dash's undo history bounded.
 * dash-renderer records every input change that did not come from a callback answer (each tick of a
 * dcc.Interval) in `history.past`, for undo/redo, and never trims it (plotly/dash#727): a wall ticking
 * once a second gains ~0.3 KB a second, ~200 MB in a week. The wallboard has no undo button; the renderer
 * only ever needs the last entries (to revert after a failed callback), so older ones are dropped. */
(function () {
  "use strict";
  var KEEP = 20;
  function trim() {
    (window.dash_stores || []).forEach(function (store) {
      var history = store && store.getState && store.getState().history;
      if (history && history.past && history.past.length > KEEP) {
        history.past.splice(0, history.past.length - KEEP);
      }
    });
  }
  window.setInterval(trim, 5000);
})();
