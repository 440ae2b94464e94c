/* Clientside callbacks that tick every second in the browser: the clock, the freshness
 * state and stale banner, waiting times and complaint countdowns.  They work from the
 * server's timestamps, so they need no round trip and keep running when the server is down. */
(function () {
  "use strict";
  var TEXT = {
    zh: {live: "实时", waiting: "等待首次数据…", stale: "数据未更新，自 {time} 起", updated: "更新于 {time}"},
    en: {live: "Live", waiting: "Waiting for first data…", stale: "Stale since {time}", updated: "Updated {time}"}
  };
  var offsetMs = 0; // server clock minus browser clock
  var offsetFrom = null; // the server_now it was measured from

  // A callback request that never reached the server (a wall whose network dropped, a server restarting) is
  // answered "nothing new" (204, as PreventUpdate) rather than failing: a failed request stops Dash from applying
  // any later callback's outputs, clientside ones included (plotly/dash#830), so the clock, the countdowns, the
  // agent board and the freshness indicator froze showing "fresh". The poll gate asks again (live.js pollGate).
  var realFetch = window.fetch;
  window.fetch = function (input) {
    var answer = realFetch.apply(this, arguments);
    var target = typeof input === "string" ? input : (input && input.url) || "";
    if (target.indexOf("/_dash-update-component") === -1) { return answer; }
    return answer.catch(function () { return new Response(null, {status: 204}); });
  };
  var loadedAt = Date.now();

  function param(search, name) {
    var m = new RegExp("[?&]" + name + "=([^&]*)").exec(search || "");
    return m ? decodeURIComponent(m[1]) : null;
  }
  function maybeNightlyReload(texts) {
    // an optional daily reload (general.reload_at = "HH:MM") frees whatever a browser may hold on to
    var at = texts && texts.reload_at;
    if (!at || Date.now() - loadedAt < 3600 * 1000) { return; }
    var d = new Date(), hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (hm === at) { window.location.reload(); }
  }

  function lang(search, texts) {
    var m = /[?&]lang=([a-zA-Z]{2})/.exec(search || "");
    var code = m ? m[1].toLowerCase() : (texts && texts.default_lang) || "zh";
    return TEXT[code] ? code : "zh";
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hms(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  function now() { return new Date(Date.now() + offsetMs); }
  function duration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) { return s + "s"; }
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(r) : m + ":" + pad(r);
  }
  function countdown(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(Math.round(seconds));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) { return sign + d + "d " + pad(h) + "h"; }
    return sign + pad(h) + ":" + pad(m) + ":" + pad(s % 60);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wallboard: {
      siteLevels: function (levels) {
        // a poll sends each site's level ({site: level}); the cells take them in place, no re-render
        if (!levels) { return window.dash_clientside.no_update; }
        var cells = document.querySelectorAll(".site-cell[data-site]");
        for (var i = 0; i < cells.length; i++) {
          var level = levels[cells[i].getAttribute("data-site")];
          if (level && cells[i].getAttribute("data-level") !== level) { cells[i].setAttribute("data-level", level); }
        }
        return cells.length;
      },
      viewport: function (_n, seen) {
        // once: the screen height, so that chart text can be sized for a 4K TV as for a laptop
        return seen ? window.dash_clientside.no_update : {height: window.innerHeight};
      },
      pollGate: function (_n, request, served) {
        var now = Date.now();
        var inFlight = served && served.seq !== request.seq && now - request.at < 30000;
        // ±10% at random: screens that came on together (a restart) drift apart instead of polling in step
        if (inFlight || now - request.at < (0.9 + 0.2 * Math.random()) * request.every) {
          return window.dash_clientside.no_update;
        }
        // feed: the page's queue stream brought calls waiting in the last 3 s, so the poll need not (live/feed.py)
        var fed = !!window.wallboardQueueFeedAt && now - window.wallboardQueueFeedAt < 3000;
        return {seq: request.seq + 1, at: now, every: request.every, feed: fed};
      },
      rotate: function (_n, pathname, search) {
        // ?rotate=30&pages=/,/complaints cycles pages without a full reload
        var seconds = parseFloat(param(search, "rotate"));
        var pages = (param(search, "pages") || "").split(",").filter(function (p) { return p.charAt(0) === "/"; });
        if (!(seconds >= 5) || pages.length < 2) { return window.dash_clientside.no_update; }
        var index = Math.floor((Date.now() - loadedAt) / (seconds * 1000)) % pages.length;
        return pages[index] === pathname ? window.dash_clientside.no_update : pages[index];
      },
      tick: function (_n, meta, search, texts) {
        var text = TEXT[lang(search, texts)];
        maybeNightlyReload(texts);
        if (meta && meta.server_now && meta.server_now !== offsetFrom) {
          // measured once per answer, when it arrives: measured again from the same answer every second, the
          // clock stood still at the answer's time between polls, and for good once the server was out of reach
          // (so a cut-off wall never said stale)
          offsetFrom = meta.server_now;
          offsetMs = Date.parse(meta.server_now) - Date.now();
        }
        var clock = hms(now());
        if (!meta || !meta.computed_at) {
          return [clock, "stale", "", text.waiting, "", true];
        }
        var last = new Date(meta.computed_at);
        var ageSeconds = (now() - last) / 1000;
        var stale = ageSeconds > (meta.stale_after_seconds || 10);  // the server's rule (live/poller.py)
        var since = hms(last);
        return [clock, stale ? "stale" : "fresh", meta.computed_at,
                stale ? text.stale.replace("{time}", since) : text.updated.replace("{time}", since),
                text.stale.replace("{time}", since), !stale];
      },
      queueFeed: function (feed) {
        // calls waiting pushed by the server as it re-reads them (Server-Sent Events, live/feed.py): each message
        // is [[id, props], …] for the tiles and the page's clock data; the stream closes once its page is left,
        // and the browser reopens it by itself when it drops (a TV that lost the network)
        if (window.wallboardQueueFeed) { window.wallboardQueueFeed.close(); }
        if (!feed || !feed.url || !window.EventSource) { return window.dash_clientside.no_update; }
        var source = new EventSource(feed.url);
        window.wallboardQueueFeed = source;
        source.onmessage = function (event) {
          if (window.wallboardQueueFeed !== source || window.location.pathname !== feed.path) {
            source.close();
            return;
          }
          var message = JSON.parse(event.data);
          for (var i = 0; i < message.props.length; i++) {
            window.dash_clientside.set_props(message.props[i][0], message.props[i][1]);
          }
          window.dash_clientside.set_props(feed.meta, {data: message.meta});
          window.wallboardQueueFeedAt = Date.now();
          window.wallboardQueueMessages = (window.wallboardQueueMessages || 0) + 1;  // for the soak bench
        };
        return feed.url;
      },
      tickAgents: function (_n, sinces, warns, alerts, callSinces) {
        // the agent board: time in state and call timers from the server's timestamps, and each cell's level from
        // its limits (seconds in state), so that a break running over turns its cell between polls
        var t = now().getTime();
        var levels = [], times = [];
        for (var i = 0; i < (sinces || []).length; i++) {
          var secs = sinces[i] ? (t - Date.parse(sinces[i])) / 1000 : 0;
          var warn = parseFloat(warns[i]), alert = parseFloat(alerts[i]);
          levels.push(secs >= alert ? "alert" : secs >= warn ? "warn" : "ok");  // NaN (no limit): ok
          times.push(duration(secs));
        }
        var calls = (callSinces || []).map(function (since) { return since ? duration((t - Date.parse(since)) / 1000) : ""; });
        return [levels, times, calls];
      },
      tickCountdowns: function (_n, dues) {
        var t = now().getTime();
        return (dues || []).map(function (due) { return due ? countdown((Date.parse(due) - t) / 1000) : ""; });
      },
      tickWall: function (_n, meta, dues, sinces) {
        var t = now().getTime();
        if (document.querySelector('[data-kpi="longest_wait"] [data-kpi-value]')) {  // a layout may not show it
          var longest = meta && meta.oldest_queued_at ? duration((t - Date.parse(meta.oldest_queued_at)) / 1000) : "0s";
          window.dash_clientside.set_props({kpi: "longest_wait", type: "kpi-value"}, {children: longest});
        }
        var countdowns = (dues || []).map(function (due) {
          return due ? countdown((Date.parse(due) - t) / 1000) : "";
        });
        var oldest = (sinces || []).map(function (since) {
          return since ? duration((t - Date.parse(since)) / 1000) : "—";
        });
        return [countdowns, oldest];
      }
    }
  });
})();
