// 安居租房: progressive enhancement only. Every page and form works without
// this script; it adds the search box's autocomplete, the favorite toggle
// without a reload, chart tooltips and auto-submitting selects.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Selects marked data-autosubmit submit their form on change (the city switcher).
  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }

  // Autocomplete over GET /api/v1/search/suggest: districts, blocks, titles.
  function suggest() {
    var input = document.getElementById("search-keyword");
    var list = document.getElementById("suggest-list");
    var mode = document.getElementById("search-mode");
    if (!input || !list) return;
    var timer = 0, items = [], active = -1, last = "";
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; input.removeAttribute("aria-activedescendant"); }
    function choose(i) {
      var it = items[i];
      if (!it) return;
      if (it.href) { window.location.href = it.href; return; }
      input.value = it.text; close(); input.form.submit();
    }
    function show(data) {
      list.innerHTML = ""; items = [];
      var city = input.form.elements.city ? input.form.elements.city.value : "";
      (data.districts || []).forEach(function (d) { items.push({ kind: "区域", text: d.district_name, extra: d.city_name, href: "/listings?city=" + encodeURIComponent(d.city) + "&district=" + encodeURIComponent(d.district) }); });
      (data.blocks || []).forEach(function (b) { items.push({ kind: "商圈", text: b.name || b }); });
      (data.titles || []).forEach(function (t) { items.push({ kind: "房源", text: t.name || t }); });
      if (!items.length) { close(); return; }
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.id = "suggest-" + i; li.setAttribute("role", "option");
        var k = document.createElement("span"); k.className = "kind"; k.textContent = it.kind;
        li.appendChild(k); li.appendChild(document.createTextNode(it.text + (it.extra ? " · " + it.extra : "")));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false; input.setAttribute("aria-expanded", "true");
      void city;
    }
    function move(d) {
      if (list.hidden || !items.length) return;
      var lis = list.children;
      if (active >= 0) lis[active].setAttribute("aria-selected", "false");
      active = (active + d + items.length) % items.length;
      lis[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", lis[active].id);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q || (mode && mode.value === "layout")) { close(); return; }
      timer = setTimeout(function () {
        last = q;
        fetch("/api/v1/search/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data && last === q && input.value.trim() === q) show(data); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") close();
      else if (e.key === "Enter" && active >= 0 && !list.hidden) { e.preventDefault(); choose(active); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    if (mode) mode.addEventListener("change", function () {
      input.placeholder = mode.value === "layout" ? "输入户型，如 2室" : "输入区域、商圈、小区或标题";
      close();
    });
  }

  // Forms marked data-toggle (the favorite button) post in the background
  // and flip their button; without this script they post and redirect.
  function toggles() {
    document.querySelectorAll("form[data-toggle]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        var btn = form.querySelector("button");
        var on = form.elements.on;
        if (!btn || !on || !window.fetch) return;
        e.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        body.delete("_key"); // each toggle is its own command
        btn.disabled = true;
        fetch(form.action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
          headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } })
          .then(function (r) {
            if (r.type === "opaqueredirect" || r.status === 401) { form.submit(); return null; }
            if (!r.ok) throw new Error("status " + r.status);
            return r.json();
          })
          .then(function (data) {
            if (!data) return;
            var fav = !!data.favorited;
            btn.setAttribute("aria-pressed", fav ? "true" : "false");
            btn.textContent = fav ? btn.getAttribute("data-on") : btn.getAttribute("data-off");
            on.value = fav ? "0" : "1";
          })
          .catch(function () { form.submit(); })
          .then(function () { btn.disabled = false; });
      });
    });
  }

  // Forms marked data-confirm ask before they post; once confirmed they say
  // so (confirmed=1), so the server does not ask again (without this script
  // it asks on a page of its own where the action needs it).
  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); return; }
        var c = form.elements.confirmed;
        if (!c) { c = document.createElement("input"); c.type = "hidden"; c.name = "confirmed"; form.appendChild(c); }
        c.value = "1";
      });
    });
  }

  // Chart tooltips: the SVG <title> of the shape under the pointer, drawn at once.
  function tooltips() {
    var tip = null;
    document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
      svg.addEventListener("mousemove", function (e) {
        var t = e.target;
        while (t && t !== svg && !t.querySelector(":scope > title")) t = t.parentNode;
        if (!t || t === svg) { if (tip) tip.hidden = true; return; }
        if (!tip) { tip = document.createElement("div"); tip.className = "chart-tip"; document.body.appendChild(tip); }
        tip.textContent = t.querySelector(":scope > title").textContent;
        tip.hidden = false;
        tip.style.left = (e.clientX + 12) + "px"; tip.style.top = (e.clientY + 12) + "px";
      });
      svg.addEventListener("mouseleave", function () { if (tip) tip.hidden = true; });
    });
  }

  // A district select marked data-districts-of="<the city select's id>"
  // holds every city's districts in optgroups (data-city), so it works
  // without this script; the script offers only the chosen city's.
  function districts() {
    document.querySelectorAll("select[data-districts-of]").forEach(function (sel) {
      var city = document.getElementById(sel.getAttribute("data-districts-of"));
      if (!city) return;
      var groups = Array.prototype.slice.call(sel.querySelectorAll("optgroup[data-city]"));
      function show() {
        var chosen = sel.value, keep = false;
        groups.forEach(function (g) {
          var mine = g.getAttribute("data-city") === city.value;
          if (mine && !g.parentNode) sel.appendChild(g);
          if (!mine && g.parentNode) sel.removeChild(g);
          if (mine) Array.prototype.forEach.call(g.children, function (o) { if (o.value === chosen) keep = true; });
        });
        sel.value = keep ? chosen : "";
      }
      // A district the server kept from a refused form stays until the city changes.
      var selected = sel.selectedOptions && sel.selectedOptions[0];
      var group = selected && selected.parentNode;
      if (!selected || !selected.value || (group && group.getAttribute("data-city") === city.value)) show();
      city.addEventListener("change", show);
    });
  }

  ready(function () { autosubmit(); suggest(); toggles(); confirms(); tooltips(); districts(); });
})();
