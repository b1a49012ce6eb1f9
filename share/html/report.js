// Filtering and expanding scripts. Everything works without this script;
// it only adds conveniences, and fetches nothing.
(function () {
  "use strict";
  var scripts = Array.prototype.slice.call(document.querySelectorAll("details.script"));
  var filter = document.getElementById("filter");
  var only = document.getElementById("only-problems");
  function apply() {
    var q = filter.value.toLowerCase();
    scripts.forEach(function (d) {
      var text = (d.getAttribute("data-id") + " " + d.querySelector("summary").textContent).toLowerCase();
      var show = (!q || text.indexOf(q) >= 0) && (!only.checked || d.getAttribute("data-problem") === "1");
      d.classList.toggle("hidden", !show);
    });
  }
  filter.addEventListener("input", apply);
  only.addEventListener("change", apply);
  document.getElementById("expand").addEventListener("click", function () {
    scripts.forEach(function (d) { d.open = true; });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    scripts.forEach(function (d) { d.open = false; });
  });
})();
