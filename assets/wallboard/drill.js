/* Drill-down navigation and ticking for the laptop pages (site, skill group, agent).
 * Every drill-down is a full page load of a shareable URL, so the back button works and no
 * late answer for the previous page can land on the next one. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration(value) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    var s = Math.max(0, Math.round(value));
    if (s < 60) { return s + "s"; }
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(r) : m + ":" + pad(r);
  }
  function go(href) {
    if (href && typeof href === "string" && href.charAt(0) === "/") { window.location.assign(href); }
    return window.dash_clientside.no_update;
  }

  var grid = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  grid.wallboardDuration = duration;
  grid.wallboardScore = function (value) { return value === null || value === undefined ? "—" : value.toFixed(2); };
  function shownNumber(text) {
    // a cell's shown text as a number: "1,234", "81.2%", "9s", "4:06", "1:02:03"; "—" and text: null
    var s = String(text === null || text === undefined ? "" : text).replace(/,/g, "");
    if (/^\s*-?\d+(:\d+)+\s*$/.test(s)) {
      return s.trim().split(":").reduce(function (acc, part) { return acc * 60 + parseFloat(part); }, 0);
    }
    var n = parseFloat(s.replace(/[^0-9.\-]/g, ""));
    return /\d/.test(s) && !isNaN(n) ? n : null;
  }
  grid.wallboardByNumber = function (a, b) {
    // sorts a long table's numeric columns by value, not by text; an empty cell ("—") counts as the lowest
    var x = shownNumber(a), y = shownNumber(b);
    if (x === null || y === null) { return x === y ? 0 : (x === null ? -1 : 1); }
    return x - y;
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    drill: {
      openPoint: function (clickData) {
        // a bar whose customdata is the URL one level down
        // (in "x unified" hover every trace at that x is a point: take the first that has a URL)
        var points = (clickData && clickData.points) || [];
        for (var i = 0; i < points.length; i++) {
          if (typeof points[i].customdata === "string") { return go(points[i].customdata); }
        }
        return window.dash_clientside.no_update;
      },
      openRow: function (cell, template) {
        // a row of an agent table: its agent's page
        if (!cell || !cell.rowId || !template) { return window.dash_clientside.no_update; }
        return go(template.replace("{id}", encodeURIComponent(cell.rowId)));
      },
      applyPeriod: function (_n, start, end, by, base) {
        // the history controls: a new URL (shareable, one browser-history entry per view)
        if (!start || !end) { return window.dash_clientside.no_update; }
        var to = new Date(end + "T00:00:00Z");
        to.setUTCDate(to.getUTCDate() + 1); // the picker's end day is included; the URL's `to` is exclusive
        var query = "from=" + start + "&to=" + to.toISOString().slice(0, 10) + (by ? "&by=" + by : "");
        return go(base + (base.indexOf("?") < 0 ? "?" : "&") + query);
      },
      applyDay: function (day, base) {
        if (!day) { return window.dash_clientside.no_update; }
        return go(base + (base.indexOf("?") < 0 ? "?" : "&") + "day=" + day);
      },
      tickSince: function (_n, sinces) {
        var now = Date.now();
        return (sinces || []).map(function (since) {
          return since ? duration((now - Date.parse(since)) / 1000) : "—";
        });
      }
    }
  });
})();
