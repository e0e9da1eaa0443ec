// Point picker and live safety findings for the session form (new or corrected).
// Vendored with the server (no build step, no network beyond this server).
(function () {
  "use strict";
  var form = document.querySelector("form[action$='/sessions/new'], form[action*='/sessions/'][action*='/edit']");
  if (!form) return;
  var cancel = form.querySelector("a[href^='/patients/']");
  // A new session names its course in the action; a correction in the
  // link back to the course on the chart.
  var course = (form.getAttribute("action").match(/courses\/([0-9a-f]{32})/) ||
    (cancel ? cancel.getAttribute("href").match(/h-course-([0-9a-f]{32})/) : null) || [])[1];
  var patient = cancel ? (cancel.getAttribute("href").match(/patients\/([0-9a-f]{32})/) || [])[1] : null;
  var area = document.getElementById("points");
  var live = document.getElementById("live");
  var regions = {};

  // The picker: an input with the point table as suggestions.
  var wrap = document.createElement("p");
  wrap.innerHTML = '<label for="picker">Add a point (code, pinyin or region)</label>' +
    '<input id="picker" type="text" list="point-list" autocomplete="off">' +
    '<datalist id="point-list"></datalist><span class="hint" id="picked"></span>';
  area.parentNode.parentNode.insertBefore(wrap, area.parentNode);
  var picker = document.getElementById("picker");
  var list = document.getElementById("point-list");
  var picked = document.getElementById("picked");
  picked.style.display = "block";
  // The override box is shown only while a hard stop applies.
  var overrideBox = document.getElementById("override_reason-field");

  fetch("/api/v1/points", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (pts) {
    pts.forEach(function (p) {
      regions[p.code] = p.region;
      var o = document.createElement("option");
      o.value = p.code + " — " + p.pinyin + " — " + p.region.replace("_", " ");
      list.appendChild(o);
    });
    grouped();
  });

  function lines() {
    return area.value.split("\n").map(function (l) { return l.trim(); }).filter(function (l) { return l.length; });
  }

  function grouped() {
    var by = {};
    lines().forEach(function (l) {
      var code = l.split(/[\s,]+/)[0].toUpperCase();
      var r = (regions[code] || "unknown code").replace("_", " ");
      (by[r] = by[r] || []).push(code);
    });
    picked.textContent = Object.keys(by).map(function (r) { return r + ": " + by[r].join(", "); }).join(" · ");
  }

  picker.addEventListener("change", function () {
    var code = picker.value.split(/[\s—]+/)[0].toUpperCase();
    if (!code) return;
    area.value = (area.value.trim() ? area.value.trim() + "\n" : "") + code + " bilateral";
    picker.value = "";
    grouped();
    check();
  });

  function session() {
    var pts = lines().map(function (l) {
      var t = l.split(/[\s,]+/);
      var p = { code: t[0], side: t[1] || "bilateral" };
      if (t[2] && !isNaN(parseFloat(t[2]))) p.depth_mm = parseFloat(t[2]);
      if (t[3]) p.angle = t[3];
      return p;
    });
    var skin = Array.prototype.map.call(form.querySelectorAll("input[name='skin_check']:checked"), function (c) { return c.value; });
    return {
      points: pts,
      stimulation: form.querySelector("[name='stimulation']").value,
      skin_check: skin,
      rationale: form.querySelector("[name='rationale']").value
    };
  }

  var KINDS = { hard_stop: "Hard stop", needs_rationale: "Needs a rationale", warning: "Warning", info: "Note", invalid: "Check" };

  // "Label (https://...); Other (https://...)" as links, as the server writes them.
  function sources(text) {
    var span = document.createElement("span");
    span.className = "sources";
    span.appendChild(document.createTextNode(" Source: "));
    var re = /\((https?:[^)]+)\)/g, last = 0, m, first = true;
    function tidy(t) { return t.replace(/^[\s;,]+|[\s;,]+$/g, ""); }
    while ((m = re.exec(text))) {
      var label = tidy(text.slice(last, m.index));
      if (!first) span.appendChild(document.createTextNode("; "));
      var a = document.createElement("a");
      a.href = m[1];
      a.rel = "noopener noreferrer";
      a.textContent = label || m[1];
      span.appendChild(a);
      last = re.lastIndex;
      first = false;
    }
    var rest = tidy(text.slice(last));
    if (rest) span.appendChild(document.createTextNode((first ? "" : "; ") + rest));
    return span;
  }

  var timer = null;
  function check() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var s = session();
      if (!s.points.length || !patient) { live.innerHTML = ""; return; }
      var at = form.querySelector("[name='at']").value || undefined;
      fetch("/api/v1/safety/check", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ patient_id: patient, course_id: course, at: at, session: s })
      }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, b: b }; }); }).then(function (res) {
        live.innerHTML = "";
        var items = res.ok ? res.b.findings : (res.b.errors || []).map(function (e) { return { severity: "invalid", reason: e.field + " " + e.rule }; });
        if (overrideBox) {
          var typed = (document.getElementById("override_reason") || {}).value;
          overrideBox.hidden = !(res.ok && res.b.hard_stop) && !typed;
        }
        var h = document.createElement("h2");
        h.textContent = "Safety findings";
        live.appendChild(h);
        if (!items.length) {
          var p = document.createElement("p");
          p.textContent = "No safety findings for these points.";
          live.appendChild(p);
          return;
        }
        var ul = document.createElement("ul");
        ul.className = "findings";
        items.forEach(function (f) {
          var li = document.createElement("li");
          li.className = "finding " + f.severity;
          var b = document.createElement("strong");
          b.textContent = (KINDS[f.severity] || "Check") + ":";
          li.appendChild(b);
          li.appendChild(document.createTextNode(" " + f.reason + (f.points && f.points.length ? " (" + f.points.join(", ") + ")" : "")));
          if (f.source) li.appendChild(sources(f.source));
          ul.appendChild(li);
        });
        live.appendChild(ul);
      });
    }, 250);
  }
  form.addEventListener("input", function () { grouped(); check(); });
  form.addEventListener("change", check);
  check();
})();
