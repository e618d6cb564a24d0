// Small progressive enhancements; every page works without this file (and the CSP forbids inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Changing the sort order (or an event type) re-runs the search at once.
  document.querySelectorAll("select.autosubmit, input.autosubmit").forEach(function (el) {
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
  document.querySelectorAll("svg.timeline[data-first]").forEach(brushable);
  document.querySelectorAll("svg.map.zoomable").forEach(zoomable);
  savedSearches();
});

function svgPoint(svg, event) {
  var p = svg.createSVGPoint();
  p.x = event.clientX; p.y = event.clientY;
  return p.matrixTransform(svg.getScreenCTM().inverse());
}

// Dragging across the timeline sets the page's from/to to the dragged stretch (the axis runs right to left:
// the svg's data-first date is at its right edge, data-last at its left). A click on a bar stays a link.
function brushable(svg) {
  var first = new Date(svg.dataset.first + "T00:00:00Z"), last = new Date(svg.dataset.last + "T00:00:00Z");
  var pad = parseFloat(svg.dataset.pad || "0"), width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  var days = (last - first) / 86400000 + 1, start = null, rect = null;
  function dayAt(x) {
    var d = Math.floor((width - pad - x) / (width - 2 * pad) * days);
    d = Math.max(0, Math.min(days - 1, d));
    return new Date(first.getTime() + d * 86400000).toISOString().slice(0, 10);
  }
  svg.addEventListener("mousedown", function (e) {
    start = svgPoint(svg, e).x;
    rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    rect.setAttribute("class", "brush"); rect.setAttribute("y", "0"); rect.setAttribute("height", String(height));
    rect.setAttribute("x", String(start)); rect.setAttribute("width", "0");
    svg.appendChild(rect);
    e.preventDefault();
  });
  svg.addEventListener("mousemove", function (e) {
    if (start === null) { return; }
    var x = svgPoint(svg, e).x;
    rect.setAttribute("x", String(Math.min(start, x))); rect.setAttribute("width", String(Math.abs(x - start)));
  });
  window.addEventListener("mouseup", function (e) {
    if (start === null) { return; }
    var x = svgPoint(svg, e).x, a = start;
    start = null;
    if (Math.abs(x - a) < 3) { rect.remove(); return; }  // a click: the bar's own link handles it
    var d1 = dayAt(Math.max(a, x)), d2 = dayAt(Math.min(a, x));
    var url = new URL(window.location.href);
    url.searchParams.set("from", d1); url.searchParams.set("to", d2); url.searchParams.delete("page");
    window.location.href = url.toString();
  });
  svg.addEventListener("click", function (e) { if (rect && rect.isConnected) { e.preventDefault(); } }, true);
}

// Wheel or buttons zoom the map around a point, dragging pans it; labels and circles keep their size on
// screen, and the labels hidden at full view (overlapping ones) show once zoomed in.
function zoomable(svg) {
  var vb = svg.viewBox.baseVal, full = {x: vb.x, y: vb.y, w: vb.width, h: vb.height}, drag = null;
  var focus = svg.dataset.focusX ? {x: parseFloat(svg.dataset.focusX), y: parseFloat(svg.dataset.focusY)} : null;
  var texts = svg.querySelectorAll("text"), circles = svg.querySelectorAll("circle");
  circles.forEach(function (c) { c.dataset.r = c.getAttribute("r"); });
  function apply() {
    var z = full.w / vb.width;
    svg.classList.toggle("zoomed-in", z >= 1.8);
    texts.forEach(function (t) { t.style.fontSize = (11 / z) + "px"; t.style.strokeWidth = (3 / z) + "px"; });
    circles.forEach(function (c) { c.setAttribute("r", String(parseFloat(c.dataset.r) / Math.sqrt(z))); });
  }
  function zoom(factor, cx, cy) {
    var w = Math.min(full.w, Math.max(full.w / 40, vb.width / factor)), h = w * full.h / full.w;
    vb.x = cx - (cx - vb.x) * w / vb.width; vb.y = cy - (cy - vb.y) * h / vb.height;
    vb.width = w; vb.height = h;
    apply();
  }
  svg.addEventListener("wheel", function (e) {
    var p = svgPoint(svg, e);
    zoom(e.deltaY < 0 ? 1.4 : 1 / 1.4, p.x, p.y);
    e.preventDefault();
  }, {passive: false});
  svg.addEventListener("mousedown", function (e) { drag = svgPoint(svg, e); moved = false; });
  var moved = false;
  svg.addEventListener("mousemove", function (e) {
    if (!drag) { return; }
    var p = svgPoint(svg, e);
    vb.x -= p.x - drag.x; vb.y -= p.y - drag.y; moved = true;
  });
  window.addEventListener("mouseup", function () { drag = null; });
  svg.addEventListener("click", function (e) { if (moved) { e.preventDefault(); moved = false; } }, true);
  var figure = svg.closest("figure");
  if (figure) {
    figure.querySelectorAll("button[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () {
        var kind = b.dataset.zoom;
        if (kind === "reset") { vb.x = full.x; vb.y = full.y; vb.width = full.w; vb.height = full.h; apply(); return; }
        var factor = kind === "in" ? 1.6 : 1 / 1.6;
        if (kind === "in" && focus && focus.x >= vb.x && focus.x <= vb.x + vb.width && focus.y >= vb.y &&
            focus.y <= vb.y + vb.height) {
          // Zoom in on the region the news is about (charts.FOCUS_REGION), brought to the middle of the view.
          zoom(factor, focus.x, focus.y);
          vb.x = Math.min(Math.max(focus.x - vb.width / 2, full.x), full.x + full.w - vb.width);
          vb.y = Math.min(Math.max(focus.y - vb.height / 2, full.y), full.y + full.h - vb.height);
          return;
        }
        zoom(factor, vb.x + vb.width / 2, vb.y + vb.height / 2);
      });
    });
  }
}

// Saved searches live in this browser (localStorage): the server stays read-only for readers.
function savedSearches() {
  var KEY = "khazar.savedSearches";
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  document.querySelectorAll("button.save-search").forEach(function (b) {
    b.addEventListener("click", function () {
      var list = load(), here = window.location.pathname + window.location.search;
      var q = new URL(window.location.href).searchParams.get("q") || "همهٔ خبرها";
      if (!list.some(function (s) { return s.url === here; })) { list.unshift({url: here, label: q}); }
      localStorage.setItem(KEY, JSON.stringify(list.slice(0, 30)));
      b.textContent = b.dataset.saved;
    });
  });
  document.querySelectorAll("ul.saved-searches").forEach(function (ul) {
    var list = load();
    if (!list.length) { var li = document.createElement("li"); li.className = "count"; li.textContent = ul.dataset.empty; ul.appendChild(li); }
    list.forEach(function (s, i) {
      var li = document.createElement("li"), a = document.createElement("a"), x = document.createElement("button");
      a.href = s.url; a.textContent = s.label;
      var feed = document.createElement("a");
      feed.href = s.url.replace(/^\/search/, "/search.atom"); feed.textContent = " (خوراک)"; feed.className = "count";
      x.type = "button"; x.textContent = "✕"; x.className = "remove"; x.title = "حذف";
      x.addEventListener("click", function () { var l = load(); l.splice(i, 1); localStorage.setItem(KEY, JSON.stringify(l)); li.remove(); });
      li.appendChild(a); li.appendChild(feed); li.appendChild(x); ul.appendChild(li);
    });
  });
}
