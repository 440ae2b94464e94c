/* The weekly review's print button (the browser's print dialog, with the A4 landscape stylesheet). */
(function () {
  "use strict";
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    review: {
      print: function (n) {
        if (n) { window.print(); }
        return window.dash_clientside.no_update;
      }
    }
  });
})();
