/* The light/dark toggle of the laptop pages: a cookie the server reads (figures are drawn for
 * the theme), then a reload.  Wall screens (/ and /complaints) stay dark whatever it says. */
(function () {
  "use strict";
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    theme: {
      toggle: function (n) {
        if (!n) { return window.dash_clientside.no_update; }
        var dark = document.querySelector(".shell.theme-dark") !== null;
        document.cookie = "wallboard-theme=" + (dark ? "light" : "dark") + "; path=/; max-age=31536000; SameSite=Lax";
        window.location.reload();
        return window.dash_clientside.no_update;
      }
    }
  });
})();
