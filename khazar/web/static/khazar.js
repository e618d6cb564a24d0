// Small progressive enhancements; every page works without this file (and the CSP forbids inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Changing the sort order re-runs the search at once.
  document.querySelectorAll("select.autosubmit").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.submit(); } });
  });
  // Hovering one mention of an entity outlines every mention of it in the article.
  document.querySelectorAll(".article .body a.ent").forEach(function (el) {
    var href = el.getAttribute("href");
    el.addEventListener("mouseenter", function () {
      document.querySelectorAll('.article .body a.ent[href="' + CSS.escape(href) + '"]').forEach(function (o) { o.classList.add("same"); });
    });
    el.addEventListener("mouseleave", function () {
      document.querySelectorAll(".article .body a.ent.same").forEach(function (o) { o.classList.remove("same"); });
    });
  });
});
